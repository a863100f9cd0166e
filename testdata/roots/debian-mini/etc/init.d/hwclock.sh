### BEGIN INIT INFO
# Provides:          hwclock
# Required-Start:    udev
# Required-Stop:     $local_fs
# Default-Start:     S
# Default-Stop:      0 6
### END INIT INFO
