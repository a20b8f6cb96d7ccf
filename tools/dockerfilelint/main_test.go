package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		// Four rule violations that `docker build --check` reports.
		"bad": "from debian:bookworm as build\nENV A 1\nCMD echo hi\nFROM debian:bookworm AS build\n",
		"good": "ARG GO_VERSION=1.26\nFROM golang:${GO_VERSION}-bookworm AS build\nWORKDIR /src\nCOPY . .\n" +
			"RUN go build -o /out/gan-train ./cmd/gan-train\n\nFROM debian:bookworm-slim\n" +
			"ENV PATH=/opt/bin:$PATH\nCOPY --from=build /out/gan-train /opt/bin/gan-train\nENTRYPOINT [\"gan-train\"]\n",
		// The same violations, switched off by BuildKit's check directive.
		"skipped": "# check=skip=ConsistentInstructionCasing,LegacyKeyValueFormat,JSONArgsRecommended\n" +
			"FROM debian:bookworm\nenv A 1\nCMD echo hi\n",
		"unparsable": "FROM debian:bookworm\nNOTANINSTRUCTION x\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		file     string
		code     int
		want     []string
		notWants []string
	}{
		{"bad", 1, []string{"bad:4: DuplicateStageName", "bad:1: ConsistentInstructionCasing", "bad:2: LegacyKeyValueFormat", "bad:3: JSONArgsRecommended"}, nil},
		{"good", 0, []string{"no warnings"}, []string{"UndefinedVar"}},
		{"skipped", 0, []string{"no warnings"}, nil},
		{"unparsable", 1, []string{"unparsable:2: error"}, nil},
		{"missing", 1, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			var out, errOut strings.Builder
			code := run(context.Background(), []string{filepath.Join(dir, c.file)}, &out, &errOut)
			got := strings.ReplaceAll(out.String(), dir+string(filepath.Separator), "")
			if code != c.code {
				t.Errorf("exit code %d, want %d; output:\n%s%s", code, c.code, got, errOut.String())
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.notWants {
				if strings.Contains(got, w) {
					t.Errorf("output has %q:\n%s", w, got)
				}
			}
		})
	}
	var out, errOut strings.Builder
	if code := run(context.Background(), nil, &out, &errOut); code != 2 {
		t.Errorf("no arguments: exit code %d, want 2", code)
	}
}
