// Command chainsleuth is the investigator and operator CLI: schema
// migrations, ingest of Bitcoin and Ethereum into ClickHouse, and (as they
// land) clustering, scoring, attribution and the investigation commands.
//
// Exit codes: 0 success, 1 error, 2 usage error.
package main
