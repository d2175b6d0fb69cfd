package demo

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
)

var exitTypeJA = map[alumni.ExitType]string{
	alumni.ExitVoluntary: "自己都合", alumni.ExitInvoluntary: "会社都合", alumni.ExitRetirement: "定年", alumni.ExitContractEnd: "契約満了",
}

var genderJA = map[alumni.Gender]string{alumni.GenderMale: "男性", alumni.GenderFemale: "女性", alumni.GenderOther: "その他", alumni.GenderUnknown: ""}

// WriteCSV writes n generated leavers as a Japanese HR system would export them (Japanese headers,
// slash dates), in UTF-8 or, with shiftJIS, in Shift_JIS. Rows are generated as they are written, so
// memory does not grow with n.
func WriteCSV(w io.Writer, seed uint64, n int, now time.Time, shiftJIS bool) error {
	if shiftJIS {
		w = japanese.ShiftJIS.NewEncoder().Writer(w)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write([]string{"社員番号", "氏名", "メールアドレス", "部署", "職種", "等級", "性別", "入社日", "退職日",
		"退職区分", "退職理由", "惜しい人材", "再雇用可", "言語", "同意"}); err != nil {
		return err
	}
	yn := func(b bool) string {
		if b {
			return "はい"
		}
		return "いいえ"
	}
	date := func(d alumni.Date) string { return fmt.Sprintf("%d/%d/%d", d.Year, d.Month, d.Day) }
	const chunk = 10000
	for done := 0; done < n; done += chunk {
		// Each chunk has its own seed so the codes stay unique and memory stays bounded.
		recs := Alumni(seed+uint64(done), min(chunk, n-done), now)
		for i, r := range recs {
			r.EmployeeCode = fmt.Sprintf("E%07d", done+i+1)
			if err := cw.Write([]string{r.EmployeeCode, r.Name, r.Email, r.Department, r.JobFamily, r.Grade,
				genderJA[r.Gender], date(r.HireDate), date(r.ExitDate), exitTypeJA[r.ExitType], r.ExitReasonText,
				yn(r.Regrettable), yn(r.RehireEligible), r.Locale, yn(r.Consent)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
