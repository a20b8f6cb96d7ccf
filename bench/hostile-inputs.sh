#!/usr/bin/env bash
# Hostile data inputs: builds each one in a temporary directory, trains on it
# (`gan-train train --preset tiny --steps 1`) under /usr/bin/time -v, and
# prints one row per input: class, exit code, peak RSS and the first line of
# the error. Every rejected input must exit 1 or 2 with a message naming the
# file; the issue's bound is 64 MB peak RSS for each of them.
#
#   bash bench/hostile-inputs.sh bin/gan-train
set -u
BIN=${1:?usage: hostile-inputs.sh path/to/gan-train}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
py() { python3 - "$@"; }

# IDX images, gzip: header for N images of HxW, then BYTES zero bytes
idxgz() { # path n h w bytes [trailing-garbage]
  py "$@" <<'PY'
import gzip, struct, sys
path, n, h, w, nbytes = sys.argv[1], *map(int, sys.argv[2:6])
with gzip.open(path, "wb", compresslevel=1) as f:
    f.write(struct.pack(">IIII", 0x803, n, h, w))
    chunk = bytes(1 << 20)
    while nbytes > 0:
        f.write(chunk[:min(nbytes, len(chunk))]); nbytes -= len(chunk)
PY
}
# PNG of WxH, colour type CT, depth D, all-zero pixels, streamed so the
# generator itself stays small
png() { # path w h colortype depth
  py "$@" <<'PY'
import struct, sys, zlib
path, w, h, ct, depth = sys.argv[1], *map(int, sys.argv[2:6])
chans = {0: 1, 2: 3, 4: 2, 6: 4}[ct]
row = b"\0" + bytes(w * chans * depth // 8)
def chunk(f, typ, data):
    f.write(struct.pack(">I", len(data))); f.write(typ + data)
    f.write(struct.pack(">I", zlib.crc32(typ + data) & 0xffffffff))
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
    chunk(f, b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, 0))
    z = zlib.compressobj(9)
    buf = b""
    for _ in range(h):
        buf += z.compress(row)
        if len(buf) > 1 << 20:
            chunk(f, b"IDAT", buf); buf = b""
    buf += z.flush()
    chunk(f, b"IDAT", buf)
    chunk(f, b"IEND", b"")
PY
}

mkdir -p "$DIR/png-gray" "$DIR/png-rgba" "$DIR/png-rgba16" "$DIR/png-ok"
idxgz "$DIR/short-images-idx3-ubyte.gz" 2739000 28 28 1500000000      # header 2.1 GB, stream 1.5 GB
idxgz "$DIR/long-images-idx3-ubyte.gz" 100000 28 28 1500000000        # header 78 MB, stream 1.5 GB
idxgz "$DIR/big-images-idx3-ubyte.gz" 1 20000 20000 400000000         # one 20000x20000 image
idxgz "$DIR/ok-images-idx3-ubyte.gz" 100000 28 28 78400000            # valid: 100,000 images, 78 MB
cp "$DIR/ok-images-idx3-ubyte.gz" "$DIR/crc-images-idx3-ubyte.gz"
py "$DIR/crc-images-idx3-ubyte.gz" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-6] ^= 0xff; open(p, "wb").write(b)
PY
printf '\x00\x00\x08\x03\xee\x6b\x28\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' > "$DIR/huge-images-idx3-ubyte"   # 4e9 images claimed, 16 bytes
png "$DIR/png-gray/a.png" 20000 20000 0 8
png "$DIR/png-rgba/a.png" 20000 20000 6 8
png "$DIR/png-rgba16/a.png" 30000 30000 6 16
for i in $(seq 1 64); do png "$DIR/png-ok/$i.png" 28 28 0 8; done

printf '| input | file size | exit | peak RSS (KB) | message |\n| --- | --- | --- | --- | --- |\n'
run() { # label data-spec
  local out="$DIR/run-$RANDOM" size
  size=$(du -bs "${2%%,*}" 2>/dev/null | cut -f1)
  /usr/bin/time -v -o "$DIR/time" "$BIN" train --preset tiny --conditional=false --steps 1 --data "$2" --out "$out" --listen '' --device cpu >"$DIR/out" 2>"$DIR/err"
  local rc=$?
  local rss; rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time")
  local msg; msg=$(grep '^gan-train:' "$DIR/err" | head -1 | sed "s#$DIR/##g" | cut -c1-160)
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$size" "$rc" "$rss" "${msg:-(trained)}"
}
run "gzip shorter than its header (2.1 GB claimed, 1.5 GB held)" "$DIR/short-images-idx3-ubyte.gz"
run "gzip longer than its header (78 MB claimed, 1.5 GB held)" "$DIR/long-images-idx3-ubyte.gz"
run "gzip with a bad CRC" "$DIR/crc-images-idx3-ubyte.gz"
run "IDX of one 20000x20000 image (gzip)" "$DIR/big-images-idx3-ubyte.gz"
run "raw IDX claiming 4e9 images in 16 bytes" "$DIR/huge-images-idx3-ubyte"
run "PNG 20000x20000 gray" "$DIR/png-gray"
run "PNG 20000x20000 RGBA" "$DIR/png-rgba"
run "PNG 30000x30000 16-bit RGBA" "$DIR/png-rgba16"
run "accepted: embedded digits (9,000 images, 7.1 MB as uint8)" digits
run "accepted: folder of 64 28x28 PNGs" "$DIR/png-ok"
run "accepted: gzip IDX of 100,000 images (78.4 MB as uint8)" "$DIR/ok-images-idx3-ubyte.gz"
