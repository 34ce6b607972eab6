// Any baud rate on Linux (termios2 with BOTHER), for rates without a Bxxx constant. Kept
// in its own file: <asm/termbits.h> cannot be included beside <termios.h>.
#pragma once

namespace rfneedle::hal {

// Sets input and output speed of the open terminal `fd`; false if the driver refuses.
[[nodiscard]] bool set_any_baud(int fd, unsigned baud);

}  // namespace rfneedle::hal
