package alumni_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
)

const header = "社員番号,氏名,メールアドレス,部署,職種,等級,性別,入社日,退職日,退職区分,退職理由,同意\n"

const goodCSV = header +
	"E0001,山田 太郎,taro@example.jp,営業本部,営業,G2,男性,2019/4/1,令和7年3月31日,自己都合,キャリアアップ,はい\n" +
	"E0002,佐藤 花子,hanako@example.jp,開発本部,エンジニア,G3,女性,2018-04-01,2025-06-30,自己都合,家庭の事情,はい\n" +
	"E0003,鈴木 一郎,,人事部,人事,M1,男,2010/4/1,2025/9/30,定年,定年退職,いいえ\n"

func newStore(t *testing.T) (*alumni.Store, db.Conn) {
	t.Helper()
	conn, _ := dbtest.New(t)
	return alumni.NewStore(conn, []byte("test-secret-test-secret-test-secret"), audit.New(conn)), conn
}

func csvSource(data []byte) func() (alumni.Source, error) {
	return func() (alumni.Source, error) { return alumni.NewReader(bytes.NewReader(data), alumni.ReaderOptions{}) }
}

func count(t *testing.T, conn db.Conn, q string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestImportIsIdempotentAndUpdatesChangedRows(t *testing.T) {
	s, conn := newStore(t)
	ctx := context.Background()
	rep, err := s.Import(ctx, "acme", csvSource([]byte(goodCSV)), alumni.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.Inserted != 3 || !rep.OK() || !rep.Written {
		t.Fatalf("first import: %+v", rep)
	}
	rows := count(t, conn, "SELECT count() FROM alumni")
	// The same file again: nothing is written.
	rep, err = s.Import(ctx, "acme", csvSource([]byte(goodCSV)), alumni.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unchanged != 3 || rep.Inserted+rep.Updated != 0 || rep.Written {
		t.Errorf("re-import: %+v", rep)
	}
	if got := count(t, conn, "SELECT count() FROM alumni"); got != rows {
		t.Errorf("re-import wrote rows: %d → %d", rows, got)
	}
	// One changed row (department) updates that row only.
	changed := strings.Replace(goodCSV, "E0002,佐藤 花子,hanako@example.jp,開発本部", "E0002,佐藤 花子,hanako@example.jp,データ戦略室", 1)
	rep, err = s.Import(ctx, "acme", csvSource([]byte(changed)), alumni.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 1 || rep.Unchanged != 2 {
		t.Errorf("changed import: %+v", rep)
	}
	a, err := s.Get(ctx, "acme", "E0002")
	if err != nil {
		t.Fatal(err)
	}
	if a.Department != "データ戦略室" || a.Name != "佐藤 花子" || a.Email != "hanako@example.jp" || a.ExitReason != alumni.ReasonPersonal {
		t.Errorf("E0002 = %+v", a)
	}
	if a.ExitDate.String() != "2025-06-30" || a.HireDate.String() != "2018-04-01" {
		t.Errorf("dates: hire %s exit %s", a.HireDate, a.ExitDate)
	}
	e1, err := s.Get(ctx, "acme", "E0001")
	if err != nil {
		t.Fatal(err)
	}
	if e1.ExitDate.String() != "2025-03-31" || e1.ExitType != alumni.ExitVoluntary || !e1.Consent {
		t.Errorf("E0001 (wareki exit date) = %+v", e1)
	}
	// Another tenant importing the same codes gets different people.
	if _, err := s.Get(ctx, "other", "E0001"); !errors.Is(err, alumni.ErrNotFound) {
		t.Errorf("other tenant sees acme's alumnus: %v", err)
	}
}

func TestImportShiftJISWithBOMlessHeaders(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	sjis, _, err := transform.Bytes(japanese.ShiftJIS.NewEncoder(), []byte(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	bom := append([]byte("\xEF\xBB\xBF"), goodCSV...)
	for name, data := range map[string][]byte{"shift_jis": sjis, "utf-8 bom": bom} {
		t.Run(name, func(t *testing.T) {
			rep, err := s.Import(ctx, "t-"+strings.ReplaceAll(name, " ", ""), csvSource(data), alumni.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Inserted != 3 || !rep.OK() {
				t.Fatalf("%+v", rep)
			}
			a, err := s.Get(ctx, "t-"+strings.ReplaceAll(name, " ", ""), "E0003")
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != "鈴木 一郎" || a.Department != "人事部" || a.ExitType != alumni.ExitRetirement {
				t.Errorf("decoded %+v", a)
			}
		})
	}
}

func TestBadFileDamagesNothing(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, "acme", csvSource([]byte(goodCSV)), alumni.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	bad := header +
		"E0001,山田 太郎,taro@example.jp,営業本部,営業,G2,男性,2019/4/1,2025/13/45,自己都合,キャリアアップ,はい\n" + // bad date
		"E0004,田中 次郎,not-an-email,営業本部,営業,G2,男性,2019/4/1,2025/3/31,自己都合,,はい\n" + // bad email
		"E0005,高橋 三郎,saburo@example.jp,営業本部,営業,G2,男性,2024/4/1,2023/3/31,自己都合,,はい\n" + // exit before hire
		"E0006,伊藤 四郎,shiro@example.jp,営業本部,営業,G2,男性,2019/4/1,2025/3/31,夜逃げ,,はい\n" + // unknown exit type
		"E0007,渡辺 五郎,goro@example.jp,営業本部,営業,G2,男性,2019/4/1,2025/3/31,自己都合,,はい\n" // valid
	t.Run("strict imports nothing", func(t *testing.T) {
		rep, err := s.Import(ctx, "acme", csvSource([]byte(bad)), alumni.ImportOptions{Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || rep.Written || rep.Inserted != 0 {
			t.Errorf("strict: %+v", rep)
		}
		if _, err := s.Get(ctx, "acme", "E0007"); !errors.Is(err, alumni.ErrNotFound) {
			t.Errorf("strict import stored E0007: %v", err)
		}
	})
	t.Run("lenient imports the valid rows only", func(t *testing.T) {
		rep, err := s.Import(ctx, "acme", csvSource([]byte(bad)), alumni.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 1 || rep.Valid != 1 || rep.Rows != 5 {
			t.Errorf("lenient: %+v", rep)
		}
		lines := map[int]bool{}
		for _, p := range rep.Problems {
			if !p.Warning {
				lines[p.Line] = true
			}
		}
		for _, l := range []int{2, 3, 4, 5} {
			if !lines[l] {
				t.Errorf("no problem reported for line %d: %v", l, rep.Problems)
			}
		}
		a, err := s.Get(ctx, "acme", "E0001")
		if err != nil {
			t.Fatal(err)
		}
		if a.ExitDate.String() != "2025-03-31" {
			t.Errorf("a bad row damaged the stored E0001: exit %s", a.ExitDate)
		}
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		more := header + "E0100,森 六郎,roku@example.jp,営業本部,営業,G2,男性,2019/4/1,2025/3/31,自己都合,,はい\n"
		rep, err := s.Import(ctx, "acme", csvSource([]byte(more)), alumni.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Inserted != 1 || rep.Written {
			t.Errorf("dry run: %+v", rep)
		}
		if _, err := s.Get(ctx, "acme", "E0100"); !errors.Is(err, alumni.ErrNotFound) {
			t.Errorf("dry run stored E0100: %v", err)
		}
	})
	t.Run("missing column refuses the file", func(t *testing.T) {
		_, err := s.Import(ctx, "acme", csvSource([]byte("氏名,部署\nx,y\n")), alumni.ImportOptions{})
		var he *alumni.HeaderError
		if !errors.As(err, &he) {
			t.Fatalf("err = %v, want a HeaderError", err)
		}
	})
}

func TestEraseRemovesPIIAndBlocksReimport(t *testing.T) {
	s, conn := newStore(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, "acme", csvSource([]byte(goodCSV)), alumni.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseByCode(ctx, "acme", "E0001", "test"); err != nil {
		t.Fatal(err)
	}
	id := s.AlumnusID("acme", "E0001")
	a, err := s.GetByID(ctx, "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Erased || a.Name != "" || a.Email != "" || a.EmployeeCode != "" || a.Consent {
		t.Errorf("after erasure: %+v", a)
	}
	// No stored version may still hold the name or the address, once the mutation has run.
	// ClickHouse runs the deletion of older versions as an asynchronous mutation: wait for it (bounded).
	var left uint64
	for range 100 {
		left = count(t, conn, "SELECT count() FROM alumni_contacts WHERE tenant_id = 'acme' AND alumnus_id = ? AND (name != '' OR email != '')", id) +
			count(t, conn, "SELECT count() FROM alumni WHERE tenant_id = 'acme' AND employee_code = 'E0001'")
		if left == 0 {
			break
		}
		waitMutation(t, conn)
	}
	if left != 0 {
		t.Errorf("%d stored rows still hold PII or the employee code", left)
	}
	// A later import of the same person does not bring them back.
	rep, err := s.Import(ctx, "acme", csvSource([]byte(goodCSV)), alumni.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SkippedErased != 1 || rep.Unchanged != 2 {
		t.Errorf("re-import after erasure: %+v", rep)
	}
	if a, _ := s.GetByID(ctx, "acme", id); a.Name != "" || !a.Erased {
		t.Errorf("re-import restored PII: %+v", a)
	}
	if n := count(t, conn, "SELECT count() FROM audit_log WHERE tenant_id = 'acme' AND action = 'alumni.erase'"); n != 1 {
		t.Errorf("audit entries for erasure = %d, want 1", n)
	}
	if err := s.EraseByCode(ctx, "acme", "E9999", "test"); !errors.Is(err, alumni.ErrNotFound) {
		t.Errorf("erase unknown: %v", err)
	}
}

func waitMutation(t *testing.T, conn db.Conn) {
	t.Helper()
	_ = conn.QueryRow(context.Background(), "SELECT sleep(0.1)").Scan(new(uint8))
}

var _ io.Reader = (*bytes.Reader)(nil)
