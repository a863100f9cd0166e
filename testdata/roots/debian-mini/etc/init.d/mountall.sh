#! /bin/sh
### BEGIN INIT INFO
# Provides:          mountall
# Required-Start:    udev
# Required-Stop:
# Default-Start:     S
# Default-Stop:
# Description:       Mount all filesystems,
#                    the local ones.
### END INIT INFO
