// OpenBLAS's CBLAS interface (Debian: libopenblas-serial-dev, found through pkg-config `openblas`).
// MediaAudio's speech detector uses sgemm/sgemv on one thread.
#pragma once
#include <cblas.h>
