import Foundation
import Logging
import PostgresNIO
import Testing
@testable import FinewsCluster

/// A fresh database on the test server (`FINEWS_TEST_DATABASE_URL`, which
/// `scripts/with-postgres` sets), dropped when the test is done.
struct TestDatabase {
    static let serverURL = ProcessInfo.processInfo.environment["FINEWS_TEST_DATABASE_URL"]
    static var isAvailable: Bool { serverURL != nil }
    static let logger = Logger(label: "finews.test", factory: { _ in SwiftLogNoOpLogHandler() })

    let name: String
    let settings: DatabaseSettings

    /// Creates an empty database and runs `body` with its settings.
    static func with<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        guard let serverURL else { throw TestSetupError("FINEWS_TEST_DATABASE_URL is not set; run the tests under scripts/with-postgres") }
        let server = try DatabaseSettings(url: serverURL, environment: [:])
        let name = "finews_test_\(UInt32.random(in: 0...UInt32.max))"
        try await admin(server, "CREATE DATABASE \(name)")
        var settings = server
        settings.database = name
        let database = TestDatabase(name: name, settings: settings)
        do {
            let value = try await body(database)
            try? await admin(server, "DROP DATABASE \(name) WITH (FORCE)")
            return value
        } catch {
            try? await admin(server, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement on the server's own database, outside any transaction.
    private static func admin(_ server: DatabaseSettings, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try server.connectionConfiguration(applicationName: "finews-tests"), id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// A node on this database (schema migrated).
    func node(_ name: String) async throws -> ClusterDatabase {
        try await ClusterDatabase.open(settings: settings, node: name, logger: Self.logger)
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
