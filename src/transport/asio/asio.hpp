#pragma once
// The one way into Asio and Beast. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>, so it comes first.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
