#include "app/secret_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/crypto.hpp"
#include "util/log.hpp"

namespace talkline::app {
namespace {

constexpr std::size_t kKeyBytes = 32;

Result<std::string> read_key(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    util::log::warn("auth.key_file_exposed", {{"path", std::string_view(path.native())},
                                              {"hint", "chmod 600 the file: anyone who reads it can mint tokens"}});
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  auto text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = util::base64url_decode(text);
  if (!key || key->size() < kKeyBytes) {
    return Error::internal(path.string() + " does not hold a valid key; remove it to make a new one");
  }
  return *key;
}

}  // namespace

Result<std::string> load_signing_key(const std::string& configured, const std::string& data_dir) {
  if (!configured.empty()) return configured;
  const auto path = std::filesystem::path(data_dir) / "jwt.key";
  if (std::filesystem::exists(path)) return read_key(path);

  const std::string key = util::random_bytes(kKeyBytes);
  const std::string encoded = util::base64url_encode(key) + "\n";
  // O_EXCL: if another process made the key first, use theirs.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_key(path);
    return Error::internal("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  const auto written = ::write(fd, encoded.data(), encoded.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(encoded.size()) || !synced) {
    return Error::internal("cannot write " + path.string());
  }
  return key;
}

}  // namespace talkline::app
