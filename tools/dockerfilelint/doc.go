// Command dockerfilelint runs BuildKit's Dockerfile checks (the rules behind
// `docker build --check`) on Dockerfiles without a Docker engine and without
// the network, and exits non-zero when any rule warns or a file does not
// parse.
//
// Usage:
//
//	go run ./dockerfilelint [-platform linux/amd64] [-build-arg K=V ...] Dockerfile...
//
// It calls BuildKit's own lint entry point (dockerfile2llb.DockerfileLint,
// the code a `--check` build runs in the frontend) with every stage treated
// as reachable, so rules run on every stage, as `docker build --check` does.
// Base images are not fetched: an offline resolver answers every FROM with
// a minimal linux image config whose only environment variable is PATH.
// Rules that read the base image's own ENV (UndefinedVar for a variable set
// only in the base image) therefore need the variable declared with ARG or
// ENV in the Dockerfile, which is clearer anyway.
//
// A "# check=skip=Rule1,Rule2" directive in the Dockerfile disables rules
// exactly as it does for docker build.
package main
