#!/bin/bash
# The behaviour both backends share (tests/shared-behaviour.sh), over
# nf_tables through libnftnl.
export RAWTUNE_BACKEND=nft
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/shared-behaviour.sh"
