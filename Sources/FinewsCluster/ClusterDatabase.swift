public import Logging
import PostgresNIO

/// The shared PostgreSQL state of a cluster: one connection pool (postgres-nio's
/// `PostgresClient`, run by this type for its whole life) and the node's name.
/// Every statement of finews's cluster mode goes through ``transaction(_:)`` or
/// ``run(_:)``, which turn the driver's errors into ``ClusterError``s and retry a
/// transaction that lost a deadlock or a serialization race.
public final class ClusterDatabase: Sendable {
    /// This node's name, as stored in leases, claims and `application_name`.
    public let node: String
    public let settings: DatabaseSettings
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    /// Opens the pool and brings the schema up to date (``ClusterSchema``); two nodes
    /// starting at once take turns.
    /// - Throws: ``ClusterError`` when the server cannot be reached or the schema is newer than this finews.
    public static func open(settings: DatabaseSettings, node: String, logger: Logger) async throws(ClusterError) -> ClusterDatabase {
        let database = ClusterDatabase(settings: settings, node: node, logger: logger)
        // The pool serves leases once its run task has started; asking before that
        // works but logs a warning, so give the task its first turn.
        try? await Task.sleep(for: .milliseconds(20))
        do {
            try await ClusterSchema.migrate(database)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    private init(settings: DatabaseSettings, node: String, logger: Logger) {
        self.node = node
        self.settings = settings
        self.logger = logger
        let client = PostgresClient(configuration: settings.clientConfiguration(applicationName: node),
                                    backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Closes every connection (a publisher lock held on one of them is released).
    public func close() async {
        running.cancel()
        await running.value
    }

    /// Runs `body` in one transaction; retried (up to five times) when PostgreSQL
    /// aborts it for a deadlock or a serialization failure.
    @discardableResult
    func transaction<T: Sendable>(
        _ what: String, _ body: (PostgresConnection) async throws -> T
    ) async throws(ClusterError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch {
                let failure = Self.underlying(error)
                if attempt < 5, let state = Self.sqlState(failure), state == "40P01" || state == "40001" {
                    try? await Task.sleep(for: .milliseconds(5 * attempt))
                    continue
                }
                throw Self.clusterError(failure, what: what, settings: settings)
            }
        }
    }

    /// Runs `body` with a connection of the pool, outside any transaction.
    @discardableResult
    func run<T: Sendable>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws(ClusterError) -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw Self.clusterError(Self.underlying(error), what: what, settings: settings)
        }
    }

    /// The error inside a failed transaction: the closure's, or the commit's.
    static func underlying(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error
        }
        return error
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A one-line reason: the server's message and SQL state, or why the connection
    /// failed. Bind values (post bodies, passwords) are never included.
    static func clusterError(_ error: any Error, what: String, settings: DatabaseSettings) -> ClusterError {
        if let clusterError = error as? ClusterError { return clusterError }
        guard let psql = error as? PSQLError else {
            return ClusterError(.query, "\(what) failed on \(settings): \(error)")
        }
        if let info = psql.serverInfo, let message = info[.message] {
            let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            let code: ClusterError.Code = info[.sqlState]?.hasPrefix("28") == true
                || info[.sqlState]?.hasPrefix("3D") == true ? .connect : .query
            return ClusterError(code, "\(what) failed on \(settings): \(message)\(state)")
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .authMechanismRequiresPassword, .sslUnsupported:
            let reason = psql.underlying.map { "\($0)" } ?? "\(psql.code)"
            return ClusterError(.connect, "cannot reach the PostgreSQL server \(settings) (\(reason)); check [state] "
                + "database, the PG* variables and that the server accepts connections from this machine")
        default:
            return ClusterError(.query, "\(what) failed on \(settings): \(psql.code)")
        }
    }
}
