package opencv

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include "threads.h"
*/
import "C"

// SetNumThreads sets how many threads OpenCV's parallel loops (and so the
// DNN forward passes) use, for the whole process. n <= 0 leaves OpenCV's
// default (Debian's build uses TBB with one thread per core): OpenCV's own
// meaning of 0, "no threading", is spelled 1 here.
func SetNumThreads(n int) {
	if n > 0 {
		C.kiosk_cv_set_num_threads(C.int(n))
	}
}

// NumThreads reports OpenCV's thread count.
func NumThreads() int { return int(C.kiosk_cv_get_num_threads()) }
