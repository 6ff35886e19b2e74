// Compiles Asio and Beast once (BOOST_*_SEPARATE_COMPILATION) for every other
// translation unit, which then only includes their declarations.
#include <utility>

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
