// Compiles Asio's TLS support once (BOOST_ASIO_SEPARATE_COMPILATION: tl_asio compiles
// the rest of Asio but not the ssl part, which only this library uses so far). If
// another library needs TLS, move this include into transport/asio/asio_impl.cpp.
#include <utility>

#include <boost/asio/ssl/impl/src.hpp>
