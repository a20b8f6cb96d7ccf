package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeSet serves a tiny MNIST-style data set from an httptest server and
// returns options that point the name "tiny" at it, with the correct
// checksums unless corrupt names a file whose served bytes are altered.
func fakeSet(t *testing.T, corrupt string) (*options, *atomic.Int32, func()) {
	t.Helper()
	files := map[string][]byte{}
	var set remoteSet
	set.name = "tiny"
	mk := func(name string, magic uint32, dims []uint32, payload []byte) remoteFile {
		b := gzipBytes(t, idxBytes(magic, dims, payload))
		sum := sha256.Sum256(b)
		served := b
		if name == corrupt {
			served = append([]byte(nil), b...)
			served[len(served)/2] ^= 0xff
		}
		files["/"+name] = served
		return remoteFile{name: name, size: int64(len(b)), sha256: []string{hex.EncodeToString(sum[:])}}
	}
	set.train = [2]remoteFile{
		mk("train-images-idx3-ubyte.gz", MagicImages, []uint32{3, 2, 2}, bytes.Repeat([]byte{7}, 12)),
		mk("train-labels-idx1-ubyte.gz", MagicLabels, []uint32{3}, []byte{0, 1, 2}),
	}
	set.test = [2]remoteFile{
		mk("t10k-images-idx3-ubyte.gz", MagicImages, []uint32{1, 2, 2}, bytes.Repeat([]byte{9}, 4)),
		mk("t10k-labels-idx1-ubyte.gz", MagicLabels, []uint32{1}, []byte{5}),
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	set.mirrors = []string{srv.URL + "/missing/", srv.URL + "/"}
	o := newOptions([]Option{WithHTTPClient(srv.Client())})
	o.sets["tiny"] = set
	return o, &hits, srv.Close
}

func TestDownloadGoodChecksum(t *testing.T) {
	o, hits, stop := fakeSet(t, "")
	defer stop()
	cache := t.TempDir()
	ctx := context.Background()
	d, err := open(ctx, "tiny", cache, false, o)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.Name != "tiny-train" || !bytes.Equal(d.Labels, []byte{0, 1, 2}) {
		t.Errorf("got %s with %d images, labels %v; want tiny-train, 3, [0 1 2]", d.Name, d.N, d.Labels)
	}
	te, err := open(ctx, "tiny", cache, true, o)
	if err != nil || te.N != 1 || te.Labels[0] != 5 {
		t.Fatalf("test split: %v %+v", err, te)
	}
	// Second open: served from the verified cache, no requests.
	before := hits.Load()
	if _, err := open(ctx, "tiny", cache, false, o); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != before {
		t.Errorf("cached open made %d requests, want 0", hits.Load()-before)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "tiny"))
	if len(entries) != 4 {
		t.Errorf("cache holds %d entries, want 4 files and no temporaries", len(entries))
	}
	// A cached file that no longer matches is reported, not used.
	p := filepath.Join(cache, "tiny", "train-labels-idx1-ubyte.gz")
	os.WriteFile(p, []byte("tampered"), 0o644)
	if _, err := open(ctx, "tiny", cache, false, o); !errors.Is(err, errChecksum) || !strings.Contains(err.Error(), p) {
		t.Errorf("tampered cache: error %v, want a checksum error naming %s", err, p)
	}
}

func TestDownloadBadChecksum(t *testing.T) {
	o, _, stop := fakeSet(t, "train-images-idx3-ubyte.gz")
	defer stop()
	cache := t.TempDir()
	_, err := open(context.Background(), "tiny", cache, false, o)
	if err == nil {
		t.Fatal("corrupt download accepted")
	}
	for _, m := range []string{"checksum mismatch", "train-images-idx3-ubyte.gz", filepath.Join(cache, "tiny")} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not contain %q", err, m)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "tiny")); len(entries) != 0 {
		t.Errorf("cache holds %v after a failed download, want nothing", entries)
	}
}

func TestDownloadOfflineMessage(t *testing.T) {
	o, _, stop := fakeSet(t, "")
	stop() // nothing listens any more
	cache := t.TempDir()
	_, err := open(context.Background(), "tiny", cache, false, o)
	if err == nil {
		t.Fatal("offline open succeeded")
	}
	msg := err.Error()
	for _, m := range []string{"cannot download train-images-idx3-ubyte.gz", "place these files in " + filepath.Join(cache, "tiny"),
		"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "sha256 " + o.sets["tiny"].train[0].sha256[0], "--data DIR"} {
		if !strings.Contains(msg, m) {
			t.Errorf("offline error does not contain %q:\n%s", m, msg)
		}
	}
}

// Files placed by hand (or by a system package) are used once verified.
func TestDownloadSystemCopy(t *testing.T) {
	o, hits, stop := fakeSet(t, "")
	defer stop()
	sys := t.TempDir()
	srv := o.sets["tiny"]
	// Fetch once into sys, then point the set's system directory there.
	if _, _, err := o.fetchSet(context.Background(), srv, filepath.Dir(sys), false); err != nil {
		t.Fatal(err)
	}
	srv.system = []string{filepath.Join(filepath.Dir(sys), "tiny")}
	srv.mirrors = nil
	o.sets["tiny"] = srv
	before := hits.Load()
	if _, err := open(context.Background(), "tiny", t.TempDir(), false, o); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != before {
		t.Errorf("made %d requests with a system copy present", hits.Load()-before)
	}
}

func TestKnownSetsWellFormed(t *testing.T) {
	for name, s := range knownSets() {
		if s.name != name || len(s.mirrors) == 0 {
			t.Errorf("%s: name %q, %d mirrors", name, s.name, len(s.mirrors))
		}
		for _, f := range append(s.train[:], s.test[:]...) {
			for _, sum := range f.sha256 {
				if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
					t.Errorf("%s/%s: bad sha256 %q", name, f.name, sum)
				}
			}
			if f.size <= 0 || len(f.sha256) == 0 {
				t.Errorf("%s/%s: size %d, %d sums", name, f.name, f.size, len(f.sha256))
			}
		}
	}
}
