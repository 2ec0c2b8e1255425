package realdata

import (
	"encoding/json"
	"path"
)

// Small recorded mainnet answers of ethereum-etl's tests (relative to its
// tests/resources directory) that seed the Ethereum fuzz targets: blocks with
// full transactions, the receipts of two of them, callTracer and trace_block
// traces, and token eth_calls.
var (
	ETLSeedBlocks = []string{
		"test_export_blocks_job/block_without_transactions/web3_response.eth_getBlockByNumber_0x0_true.json",
		"test_export_blocks_job/blocks_with_transactions/web3_response.eth_getBlockByNumber_0xb872_true.json",
		"test_export_blocks_job/block_with_logs/web3_response.eth_getBlockByNumber_0x76250_true.json",
		"test_stream/blocks_1755634_1755635/web3_response.eth_getBlockByNumber_0x1ac9f3_true.json",
	}
	ETLSeedReceipts = []string{
		"test_export_receipts_job/receipts_with_logs/web3_response.eth_getTransactionReceipt_0x04cbcb236043d8fb7839e07bbc7f5eed692fb2ca55d897f1101eac3e3ad4fab8.json",
		"test_export_receipts_job/receipts_with_logs/web3_response.eth_getTransactionReceipt_0x05287a561f218418892ab053adfb3d919860988b19458c570c5c30f51c146f02.json",
		"test_export_receipts_job/receipts_with_logs/web3_response.eth_getTransactionReceipt_0x463d53f0ad57677a3b430a007c1c31d15d62c37fab5eee598551697c297c235c.json",
		"test_export_receipts_job/receipts_with_logs/web3_response.eth_getTransactionReceipt_0xcea6f89720cc1d2f46cc7a935463ae0b99dd5fad9c91bb7357de5421511cee49.json",
		"test_stream/blocks_1755634_1755635/web3_response.eth_getTransactionReceipt_0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d.json",
		"test_stream/blocks_1755634_1755635/web3_response.eth_getTransactionReceipt_0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb.json",
	}
	ETLSeedCallTraces = []string{
		"test_extract_geth_traces_job/block_with_subtraces/web3_response.debug_traceBlockByNumber_0xf4240_tracer_calltracer.json",
		"test_extract_geth_traces_job/block_with_create/web3_response.debug_traceBlockByNumber_0xf44f2_tracer_calltracer.json",
		"test_extract_geth_traces_job/block_with_error/web3_response.debug_traceBlockByNumber_0xf45bf_tracer_calltracer.json",
		"test_extract_geth_traces_job/block_with_suicide/web3_response.debug_traceBlockByNumber_0xf7105_tracer_calltracer.json",
	}
	ETLSeedParityTraces = []string{
		"test_export_traces_job/block_with_subtraces/web3_response.trace_block_0xf4240.json",
		"test_export_traces_job/block_with_create/web3_response.trace_block_0xf44f2.json",
		"test_export_traces_job/block_with_error/web3_response.trace_block_0xf45bf.json",
		"test_export_traces_job/block_with_suicide/web3_response.trace_block_0xf7105.json",
		"test_stream/blocks_2112234_2112234/web3_response.trace_block_0x203aea.json",
	}
	ETLSeedCalls = []string{
		"test_export_tokens_job/token_with_invalid_data/web3_response.eth_call_data_0x06fdde03_to_0xf763be8b3263c268e9789abfb3934564a7b80054_latest.json",
		"test_export_tokens_job/token_with_alternative_return_type/web3_response.eth_call_data_0x95d89b41_to_0x86fa049857e0209aa7d9e616f7eb3b3b78ecfdb0_latest.json",
		"test_stream/blocks_2112234_2112234/web3_response.eth_call_data_0x06fdde03_to_0xdbdacfc9eb9d42559ac1efbdb40460c728139e6a_latest.json",
		"test_stream/blocks_2112234_2112234/web3_response.eth_call_data_0x313ce567_to_0xdbdacfc9eb9d42559ac1efbdb40460c728139e6a_latest.json",
	}
)

// etlResources is where ethereum-etl's recordings are in the data directory.
const etlResources = "ethereum-etl/tests/resources/"

// ETLResults returns the "result" of each recorded answer in files that can
// be read: none without the real data (fuzz targets then start from their
// hand-made seeds alone).
func ETLResults(files []string) []json.RawMessage {
	dir, err := Find()
	if err != nil {
		return nil
	}
	var out []json.RawMessage
	for _, f := range files {
		data, err := ReadFile(dir, path.Join(etlResources, f))
		if err != nil {
			continue
		}
		var env struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(data, &env) == nil && len(env.Result) > 0 {
			out = append(out, env.Result)
		}
	}
	return out
}

// ETLBlocksWithReceipts pairs each of ETLSeedBlocks with the JSON array of its
// recorded receipts (empty when none were recorded).
func ETLBlocksWithReceipts() [][2]json.RawMessage {
	receipts := map[string][]json.RawMessage{} // by block hash
	for _, r := range ETLResults(ETLSeedReceipts) {
		var head struct {
			BlockHash string `json:"blockHash"`
		}
		if json.Unmarshal(r, &head) == nil {
			receipts[head.BlockHash] = append(receipts[head.BlockHash], r)
		}
	}
	var out [][2]json.RawMessage
	for _, b := range ETLResults(ETLSeedBlocks) {
		var head struct {
			Hash string `json:"hash"`
		}
		_ = json.Unmarshal(b, &head)
		rs := receipts[head.Hash]
		if rs == nil {
			rs = []json.RawMessage{}
		}
		arr, _ := json.Marshal(rs)
		out = append(out, [2]json.RawMessage{b, arr})
	}
	return out
}
