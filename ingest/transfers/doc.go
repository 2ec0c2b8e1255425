// Package transfers holds the rows of the shared transfers table, the
// address-to-address edges of every chain (chain.Transfer), in the columnar
// form the store inserts. Both chain ingests fill it, so the table's column
// list lives in one place; the address-ordered copy (transfers_by_address) is
// filled from it by a materialized view on the server.
package transfers
