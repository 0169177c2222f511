# Shared by the bench scripts (sourced): BASE_URL and ADMIN_KEY must be set.

# create_sale <name> <units> [more JSON fields, each with its leading comma]: prints the new sale's id
create_sale() {
    local created
    created=$(curl -sS --fail-with-body -X POST "$BASE_URL/api/v1/admin/products" -H "X-Admin-Key: $ADMIN_KEY" \
        -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1 $(date +%s%N)\",\"price\":9.99,\"totalQuantity\":$2${3:-}}") \
        || { echo "could not create the sale: $created" >&2; return 1; }
    sed -E 's/.*"id":"([0-9a-f-]{36})".*/\1/' <<<"$created"
}

# machine_notes: prints to stderr what on this machine, outside the service, is known to move the
# numbers. The kernel's DAMON (a kdamond thread) sampling physical memory takes one of the cores
# for 10-30 ms at each sample under load: scenario E shows it as stalls at the sampling period
# (docs/performance/opening.md, "Stalls that are not the service's").
machine_notes() {
    local kdamond dir state ctx
    for dir in /sys/kernel/mm/damon/admin/kdamonds/[0-9]*; do
        [ -r "$dir/state" ] || continue
        state=$(cat "$dir/state")
        [ "$state" = on ] || continue
        kdamond=${dir##*/}
        ctx=$dir/contexts/0
        echo "note: the kernel's DAMON is on (kdamond $kdamond: $(cat "$ctx/operations" 2>/dev/null)," \
            "a sample every $(( $(cat "$ctx/monitoring_attrs/intervals/sample_us" 2>/dev/null || echo 0) / 1000 )) ms," \
            "scheme $(cat "$ctx/schemes/0/action" 2>/dev/null || echo none)); each sample can stall a core:" \
            "as root, 'echo off > $dir/state' stops it and 'echo on' restarts it" >&2
    done
}
machine_notes
