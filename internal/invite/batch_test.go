package invite_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/invite"
)

func TestPutBatchAndRecorder(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	var invs []invite.Invitation
	for i := 0; i < 3; i++ {
		a := uuid.New()
		invs = append(invs, invite.Invitation{TenantID: "acme", ID: f.inv.ID("acme", a, "alumni-3m", "3m"), AlumnusID: a,
			SurveyID: "alumni-3m", Wave: "3m", Locale: "ja", DueAt: now, ClosesAt: now.Add(time.Hour), CreatedAt: now})
	}
	if err := f.inv.PutBatch(ctx, invs); err != nil {
		t.Fatal(err)
	}
	for _, want := range invs {
		got, err := f.inv.Get(ctx, "acme", want.ID)
		if err != nil || got.AlumnusID != want.AlumnusID || !got.ClosesAt.Equal(want.ClosesAt) {
			t.Errorf("Get(%s) = %+v, %v", want.ID, got, err)
		}
	}

	rec := invite.NewRecorder(f.inv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, inv := range invs {
		for _, e := range []invite.Event{invite.EventOpened, invite.EventSubmitted} {
			if err := rec.Record(ctx, inv, e, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, inv := range invs {
		h, err := f.inv.History(ctx, "acme", inv.ID)
		if err != nil || !slices.Contains(h, invite.EventOpened) || !slices.Contains(h, invite.EventSubmitted) || len(h) != 2 {
			t.Errorf("history of %s = %v, %v", inv.ID, h, err)
		}
	}
	if err := rec.Record(ctx, invs[0], invite.EventOpened, ""); !errors.Is(err, invite.ErrRecorderClosed) {
		t.Errorf("Record after Close: %v", err)
	}
}
