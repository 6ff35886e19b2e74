#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>

namespace talkline::store {

/// One row of a query's answer, read by column index from 0. Each backend supplies one:
/// sqlite::Statement (the statement's current row) and postgres::Rows::Row (one row of an
/// answer). The model mappers (store/row_mappers.hpp) are written once against this, so
/// both backends read a row into a model struct the same way.
///
/// int64() and text() are for NOT NULL columns; what they return for NULL is the backend's
/// own business. optional_int64() is for nullable integer columns.
template <typename Row>
concept RowReader = requires(const Row& row, int column) {
  { row.int64(column) } -> std::same_as<std::int64_t>;
  { row.optional_int64(column) } -> std::same_as<std::optional<std::int64_t>>;
  { row.text(column) } -> std::same_as<std::string>;
};

}  // namespace talkline::store
