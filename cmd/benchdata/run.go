package main

import (
	"context"
	"io"

	"github.com/alumnipulse/alumnipulse/internal/config"
)

func run(ctx context.Context, cfg config.ClickHouse, requests int, only string, out io.Writer) error {
	return nil
}
