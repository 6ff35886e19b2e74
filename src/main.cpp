// Entry point: parse the command line, then hand over to the wiring in app/.
#include <exception>
#include <iostream>
#include <string>

#include <malloc.h>

#include "app/app.hpp"
#include "app/backup_commands.hpp"
#include "config/config.hpp"

namespace {

// glibc raises its mmap threshold to the size of any large block freed, so after the
// first password hash every Argon2 block (TALKLINE_ARGON2_MEMORY_KIB, 19 MiB by
// default) comes from a malloc arena and stays there when freed: one such block per
// thread that ever hashed, hundreds of MiB of idle RSS. A fixed threshold keeps large
// blocks in their own mappings, returned to the system on free.
void keep_large_blocks_out_of_arenas() {
  constexpr int kLargeBlockBytes = 1 << 20;
  mallopt(M_MMAP_THRESHOLD, kLargeBlockBytes);
}

int run(int argc, char** argv) {
  keep_large_blocks_out_of_arenas();
  using talkline::config::Invocation;
  auto invocation = talkline::config::parse_invocation(argc, argv);
  if (!invocation.ok()) {
    std::cerr << "talkline: " << invocation.error().message << "\n";
    std::cerr << "Run 'talkline --help' for the list of settings.\n";
    return 2;
  }
  for (const auto& warning : invocation->warnings) std::cerr << "talkline: warning: " << warning << "\n";
  switch (invocation->command) {
    case Invocation::Command::help: std::cout << invocation->help_text; return 0;
    case Invocation::Command::version: std::cout << invocation->help_text << "\n"; return 0;
    case Invocation::Command::admin_create: {
      std::string password = invocation->admin_password;
      if (password.empty()) std::getline(std::cin, password);
      return talkline::app::admin_create(invocation->config, invocation->admin_username, password);
    }
    case Invocation::Command::admin_backup:
      return talkline::app::admin_backup(invocation->config,
                                         {invocation->backup_file, invocation->backup_blobs_dir, invocation->force});
    case Invocation::Command::admin_restore:
      return talkline::app::admin_restore(invocation->config,
                                          {invocation->backup_file, invocation->backup_blobs_dir, invocation->force});
    case Invocation::Command::serve: return talkline::app::serve(invocation->config);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything that can fail reports through Result; an exception here is a bug, and
  // it should end the process with a message rather than std::terminate's.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "talkline: fatal: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "talkline: fatal: unknown exception\n";
  }
  return 1;
}
