/* SETs through lunmapd's handler, phase by phase, in process, on the sim. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "glue.h"
#include "sim.h"

int main(void)
{
	return 0;
}
