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
