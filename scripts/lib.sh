# scripts/lib.sh: shell helpers shared by the test scripts (sourced, not run).

# free_port prints a loopback TCP port that nothing listens on, or fails
# after 100 tries.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "$(basename "$0"): no free loopback port found" >&2
	return 1
}
