# `make package`: a Debian package of the server, built by CPack from this build tree
# (docs/operations.md "Install"). Paths in the package:
#   /usr/bin/talkline                   the binary (stripped)
#   /usr/lib/talkline/libtalkline-vips.so the thumbnail module, loaded on the first image
#   /lib/systemd/system/talkline.service deploy/systemd/talkline.service, ExecStart there
#   /etc/talkline/talkline.env          .env.example with package paths (a conffile)
#   /usr/share/talkline/openapi.json    the API document
#   /usr/share/talkline/web             the web client, when web/public exists at configure time
#   /usr/share/talkline/api-docs        Swagger UI, when web/api-docs exists at configure time
#   /var/lib/talkline                   the data dir, made by postinst for the system user talkline

set(talkline_package_dir "${CMAKE_CURRENT_BINARY_DIR}/package")
set(talkline_web_source "${PROJECT_SOURCE_DIR}/web/public")
set(talkline_web_target "/usr/share/talkline/web")
set(talkline_api_docs_source "${PROJECT_SOURCE_DIR}/web/api-docs")
set(talkline_api_docs_target "/usr/share/talkline/api-docs")

# The env file: every key with its default, as .env.example has them, but the data dir
# (and the web client, when packaged) where the package puts them.
file(READ "${PROJECT_SOURCE_DIR}/.env.example" talkline_env)
string(REGEX REPLACE "\nTALKLINE_DATA_DIR=[^\n]*" "\nTALKLINE_DATA_DIR=/var/lib/talkline" talkline_env "${talkline_env}")
if(EXISTS "${talkline_web_source}")
  if(talkline_env MATCHES "\nTALKLINE_WEB_DIR=")
    string(REGEX REPLACE "\nTALKLINE_WEB_DIR=[^\n]*" "\nTALKLINE_WEB_DIR=${talkline_web_target}" talkline_env
                         "${talkline_env}")
  else()
    string(APPEND talkline_env "\n# The web client installed by the package.\nTALKLINE_WEB_DIR=${talkline_web_target}\n")
  endif()
endif()
if(EXISTS "${talkline_api_docs_source}")
  if(talkline_env MATCHES "\nTALKLINE_API_DOCS_DIR=")
    string(REGEX REPLACE "\nTALKLINE_API_DOCS_DIR=[^\n]*" "\nTALKLINE_API_DOCS_DIR=${talkline_api_docs_target}"
                         talkline_env "${talkline_env}")
  else()
    string(APPEND talkline_env "\n# Swagger UI installed by the package.\nTALKLINE_API_DOCS_DIR=${talkline_api_docs_target}\n")
  endif()
endif()
string(PREPEND talkline_env "# /etc/talkline/talkline.env, read by talkline.service (systemd EnvironmentFile).\n"
                            "# Kept across upgrades; the lines below started as .env.example.\n#\n")
file(WRITE "${talkline_package_dir}/talkline.env" "${talkline_env}")

# The unit as deploy/systemd has it, with the packaged binary's path and a header that
# no longer tells how to copy files by hand.
file(READ "${PROJECT_SOURCE_DIR}/deploy/systemd/talkline.service" talkline_unit)
string(REPLACE "/usr/local/bin/talkline" "/usr/bin/talkline" talkline_unit "${talkline_unit}")
string(FIND "${talkline_unit}" "[Unit]" talkline_unit_start)
string(SUBSTRING "${talkline_unit}" ${talkline_unit_start} -1 talkline_unit)
string(PREPEND talkline_unit "# TalkLine as a systemd service, from the talkline package. Settings:\n"
                             "# /etc/talkline/talkline.env; data: /var/lib/talkline (docs: /usr/share/doc/talkline).\n\n")
file(WRITE "${talkline_package_dir}/talkline.service" "${talkline_unit}")
# Either source changing makes the next build configure again.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/.env.example"
                                                              "${PROJECT_SOURCE_DIR}/deploy/systemd/talkline.service")

install(TARGETS talkline RUNTIME DESTINATION bin)
# Where the binary looks for it: ../lib/talkline (media/vips_thumbnailer.hpp).
install(TARGETS talkline-vips LIBRARY DESTINATION lib/talkline)
install(FILES "${talkline_package_dir}/talkline.service" DESTINATION /lib/systemd/system)
install(FILES "${talkline_package_dir}/talkline.env" DESTINATION /etc/talkline PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES "${PROJECT_SOURCE_DIR}/docs/openapi.json" DESTINATION share/talkline)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/docs/operations.md" DESTINATION share/doc/talkline)
if(EXISTS "${talkline_web_source}")
  install(DIRECTORY "${talkline_web_source}/" DESTINATION share/talkline/web)
endif()
if(EXISTS "${talkline_api_docs_source}")
  install(DIRECTORY "${talkline_api_docs_source}/" DESTINATION share/talkline/api-docs)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME talkline)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "TalkLine <talkline@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time chat server (Socket.IO gateway and HTTP API)")
set(CPACK_PACKAGE_DESCRIPTION
    "TalkLine serves one-to-one and group chat over Socket.IO and an HTTP API, on an embedded SQLite store or on PostgreSQL and Redis for several nodes.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/talkline")
# Shared libraries from dpkg-shlibdeps (dpkg-dev); postinst needs adduser.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/deploy/debian/conffiles" "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
    "${PROJECT_SOURCE_DIR}/deploy/debian/prerm" "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
