// Package codeshape holds no code: its tests check the shape of the
// gan-train source tree, so that what issue 11 set out stays true as the
// code changes. TestFunctionLength keeps every function outside tests to
// at most MaxFunctionLines lines. (The other checks of that kind are
// make deadcode-check and the staleness tests of internal/kernelsig.)
package codeshape

// MaxFunctionLines is the longest a function outside tests may be, from
// its signature's line to its closing brace's, doc comment excluded.
const MaxFunctionLines = 80
