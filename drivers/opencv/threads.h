// Thread control for OpenCV, which gocv v0.31 does not expose.
#ifndef KIOSK_OPENCV_THREADS_H
#define KIOSK_OPENCV_THREADS_H

#ifdef __cplusplus
extern "C" {
#endif

void kiosk_cv_set_num_threads(int n);
int kiosk_cv_get_num_threads(void);

#ifdef __cplusplus
}
#endif

#endif
