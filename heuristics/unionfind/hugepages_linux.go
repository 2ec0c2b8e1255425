package unionfind

import (
	"syscall"
	"unsafe"
)

// adviseHugePages asks Linux to back the forest's memory with 2 MiB pages (madvise MADV_HUGEPAGE) before
// it is first written. Finds jump across hundreds of megabytes at random; with 4 KiB pages nearly every
// one also misses the TLB, and a core can walk only a couple of page tables at a time. Measured on
// 50M ids and 100M random links: UnionPairs 16-17M/s without, 22M/s with. It is advice: where
// transparent huge pages are off, or the memory was already touched, nothing changes.
func adviseHugePages(nodes []node) {
	const huge = 2 << 20
	size := uintptr(cap(nodes)) * unsafe.Sizeof(node{})
	if size < 2*huge {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(nodes))
	start := uintptr(base)
	lo := (start + huge - 1) &^ (huge - 1)
	hi := (start + size) &^ (huge - 1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, lo-start)), hi-lo), syscall.MADV_HUGEPAGE)
}
