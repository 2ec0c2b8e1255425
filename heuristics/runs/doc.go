// Package runs records the batch jobs of the heuristics layer (cluster, score, attribute) in the runs
// table: one row when a run starts and one when it ends, with its parameters, the code version, what it
// counted and, for incremental jobs, the watermark it reached (the next height it has not processed).
//
// A run that never ends (the process died) stays "running"; Last ignores it, so the next run of the job
// starts again from the last finished run's watermark, and the job itself removes what the dead run wrote
// (rows with a run_id above the last finished one; see DeleteAfter).
package runs
