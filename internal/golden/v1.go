package golden

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"

	"gan-train/model"
)

// NetV1 is a network as checkpoint format version 1 recorded it (the
// old model.MLPSpec), written out here independently of package model so
// that tests can build old checkpoints: dense layers only, a maxout
// layer of u units and k pieces listed as u*k outputs, no dropout and no
// minibatch group size.
type NetV1 struct {
	In               int        `json:"in"`
	Layers           []LayerV1  `json:"layers"`
	Init             model.Init `json:"init"`
	MinibatchKernels int        `json:"minibatch_kernels,omitempty"`
	MinibatchDims    int        `json:"minibatch_dims,omitempty"`
}

// LayerV1 is one layer of a NetV1.
type LayerV1 struct {
	Out int              `json:"out"`
	Act model.Activation `json:"act"`
}

// AsV1 is what format version 1 recorded of s.
func AsV1(s model.NetSpec) NetV1 {
	n := NetV1{In: s.In, Init: s.Init, MinibatchKernels: s.Minibatch.Kernels, MinibatchDims: s.Minibatch.Dims}
	for _, l := range s.Layers {
		n.Layers = append(n.Layers, LayerV1{Out: l.Units * l.Pieces, Act: l.Act})
	}
	return n
}

// headerV1 is format version 1's header.
type headerV1 struct {
	Step         int64             `json:"step"`
	Epoch        int64             `json:"epoch"`
	BatchInEpoch int64             `json:"batch_in_epoch"`
	Counters     map[string]uint32 `json:"counters"`
	Generator    NetV1             `json:"generator"`
	Discrim      NetV1             `json:"discriminator"`
	Config       json.RawMessage   `json:"config"`
	Arrays       []model.ArrayInfo `json:"arrays"`
	Created      string            `json:"created,omitempty"`
	DataSHA256   string            `json:"data_sha256,omitempty"`
}

// EncodeV1 lays ck out as format version 1 did: "GANTCKPT", the version
// (1) and the header's length as little-endian uint32s, the JSON header
// with its networks as AsV1 gives them, the arrays in name order as
// little-endian float32s, and the SHA-256 of all that. config, when not
// nil, replaces the header's configuration (LAPGAN's metadata in its
// version 1 form).
func EncodeV1(ck *model.Checkpoint, config json.RawMessage) ([]byte, error) {
	h := ck.Header
	if config == nil {
		config = h.Config
	}
	v1 := headerV1{Step: h.Step, Epoch: h.Epoch, BatchInEpoch: h.BatchInEpoch, Counters: h.Counters,
		Generator: AsV1(h.Generator), Discrim: AsV1(h.Discrim), Config: config, Created: h.Created, DataSHA256: h.DataSHA256}
	names := make([]string, 0, len(ck.Arrays))
	for n := range ck.Arrays {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		v1.Arrays = append(v1.Arrays, model.ArrayInfo{Name: n, Len: len(ck.Arrays[n])})
	}
	hdr, err := json.Marshal(v1)
	if err != nil {
		return nil, err
	}
	b := []byte("GANTCKPT")
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	b = append(b, hdr...)
	for _, n := range names {
		for _, v := range ck.Arrays[n] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...), nil
}
