import GRDB
import GRDBSQLite

/// Runs one prepared statement once per row, binding each row's values through
/// SQLite's C API. A cycle records tens of thousands of rows (posts, aliases, the
/// feeds); GRDB's general path builds an array of boxed values for every row and was
/// half of each row's cost. Strings are copied by SQLite (`SQLITE_TRANSIENT`), so
/// no Swift buffer has to outlive a call.
///
/// Only for use inside a GRDB write: the statement is GRDB's (cached, finalized by
/// it), and GRDB keeps the transaction.
struct RowWriter {
    private let statement: Statement

    init(_ statement: Statement) {
        self.statement = statement
    }

    /// Binds the values `bind` gives, in the statement's parameter order, and runs
    /// the statement; throws SQLite's error with the statement's text.
    func run(_ bind: (inout RowBinder) -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        var binder = RowBinder(handle: handle)
        bind(&binder)
        if let failure = binder.failure { throw error(failure) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
        sqlite3_reset(handle)
    }

    private func error(_ code: Int32) -> DatabaseError {
        let connection = sqlite3_db_handle(statement.sqliteStatement)
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}

/// The values of one row, bound in order (parameter 1, 2, …). A nil binds NULL.
struct RowBinder {
    fileprivate let handle: OpaquePointer
    private var index: Int32 = 1
    /// The first binding SQLite refused (out of memory, too big), if any.
    fileprivate var failure: Int32?

    fileprivate init(handle: OpaquePointer) {
        self.handle = handle
    }

    mutating func bind(_ value: String?) {
        if var value {
            let code = value.withUTF8 { bytes in
                // An empty buffer may have no address, and SQLite would bind NULL for it.
                guard let start = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, Self.transient) }
                return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text64(handle, index, $0, UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            }
            record(code)
        } else {
            record(sqlite3_bind_null(handle, index))
        }
        index += 1
    }

    mutating func bind(_ value: Int?) {
        record(value.map { sqlite3_bind_int64(handle, index, Int64($0)) } ?? sqlite3_bind_null(handle, index))
        index += 1
    }

    mutating func bind(_ value: Double?) {
        record(value.map { sqlite3_bind_double(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
        index += 1
    }

    private mutating func record(_ code: Int32) {
        if code != SQLITE_OK, failure == nil { failure = code }
    }

    /// SQLite's "copy the bytes now" destructor.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}

