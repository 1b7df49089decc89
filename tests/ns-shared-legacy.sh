#!/bin/bash
# The behaviour both backends share (tests/shared-behaviour.sh), over the
# legacy tables through libiptc.
export RAWTUNE_BACKEND=legacy
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/shared-behaviour.sh"
