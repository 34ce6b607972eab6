#include "hal/serial_baud.h"

#include <asm/termbits.h>
#include <sys/ioctl.h>

namespace rfneedle::hal {

bool set_any_baud(int fd, unsigned baud) {
  termios2 tio{};
  if (ioctl(fd, TCGETS2, &tio) != 0) {
    return false;
  }
  tio.c_cflag &= ~static_cast<tcflag_t>(CBAUD | (CBAUD << IBSHIFT));
  tio.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
  tio.c_ispeed = baud;
  tio.c_ospeed = baud;
  return ioctl(fd, TCSETS2, &tio) == 0;
}

}  // namespace rfneedle::hal
