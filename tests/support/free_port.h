// A loopback TCP port a test's child process can listen on a moment later.
#ifndef NOTIFY_TESTS_SUPPORT_FREE_PORT_H_
#define NOTIFY_TESTS_SUPPORT_FREE_PORT_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace notify::testing {

// Not a port the OS picks (bind to port 0): those come from the ephemeral range, where outgoing
// connections opened in that moment (the server's to PostgreSQL, say) may take it first. A random
// free port below that range instead.
inline int FreePort() {
  std::random_device random;
  std::uniform_int_distribution<int> below_ephemeral(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = below_ephemeral(random);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    close(fd);
    if (free) return port;
  }
  ADD_FAILURE() << "no free port between 20000 and 32000";
  return 0;
}

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_FREE_PORT_H_
