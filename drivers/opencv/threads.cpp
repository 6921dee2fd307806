#include <opencv2/core.hpp>

#include "threads.h"

void kiosk_cv_set_num_threads(int n) { cv::setNumThreads(n); }

int kiosk_cv_get_num_threads(void) { return cv::getNumThreads(); }
