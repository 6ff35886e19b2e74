// Entry point: parse the command line, then hand over to the wiring in app/.
#include <exception>
#include <iostream>
#include <string>

#include "app/app.hpp"
#include "config/config.hpp"

namespace {

int run(int argc, char** argv) {
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
