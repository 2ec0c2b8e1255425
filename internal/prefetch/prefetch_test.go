package prefetch

import (
	"testing"
	"unsafe"
)

// TestForWriteTakesAnyAddress (and ForRead): a prefetch is a hint, so addresses that are not mapped (0, the top of
// the address space) or freed must not fault, and the memory it was given must be unchanged.
func TestForWriteTakesAnyAddress(t *testing.T) {
	buf := make([]uint64, 1024)
	for i := range buf {
		buf[i] = uint64(i)
	}
	addrs := []uintptr{0, ^uintptr(0) &^ 63, 1 << 47}
	for i := range buf {
		addrs = append(addrs, uintptr(unsafe.Pointer(&buf[i])))
	}
	ForWrite(addrs)
	ForWrite(nil)
	ForRead(addrs)
	ForRead(nil)
	for i, v := range buf {
		if v != uint64(i) {
			t.Fatalf("word %d is %d after the prefetch, want %d", i, v, i)
		}
	}
}
