#ifndef CNUMA_SHIM_H
#define CNUMA_SHIM_H
/* No feature-test macros here: GNU-only calls live in CSys/csys.c (see platform-notes.md). */
#include <numa.h>
#include <numaif.h>
#endif
