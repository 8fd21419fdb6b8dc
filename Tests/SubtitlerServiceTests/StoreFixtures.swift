import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Testing
import TestSupport
@testable import SubtitlerService

/// The two job stores one suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The kinds that run here: PostgreSQL when its programs are installed or the backend is required.
    static var available: [StoreKind] { PostgresCluster.isConfigured ? allCases : [.sqlite] }
}

/// A clock for leases that moves only when the test says so.
final class TestDate: Sendable {
    private let value = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { value.withLockedValue { $0 } }
    func advance(by seconds: TimeInterval) { value.withLockedValue { $0 += seconds } }
    var source: @Sendable () -> Date { { self.now } }
}

/// A fresh database on the tests' private PostgreSQL cluster, and stores (nodes) over it.
struct PostgresTestDatabase: Sendable {
    let location: PostgresLocation

    /// Creates an empty database with a name of its own, on `cluster` (the process's shared one by default).
    static func make(on cluster: PostgresCluster? = nil) async throws -> PostgresTestDatabase {
        let cluster = if let cluster { cluster } else { try await PostgresCluster.shared() }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresLocation(host: cluster.host, port: cluster.port, user: cluster.user, database: "postgres",
                                     tls: .disable)
        _ = try await withClient(admin) { client in
            try await client.query("CREATE DATABASE \(unescaped: name)")
        }
        return PostgresTestDatabase(location: PostgresLocation(
            host: cluster.host, port: cluster.port, user: cluster.user, database: name, tls: .disable))
    }

    /// Runs `body` with a running client for `location`.
    ///
    /// `run()` runs in a task of its own, not a child of the caller's: a test cancelled by its time limit would
    /// otherwise cancel `run()` at once, shutting the pool while `body` (or a write made even if cancelled) still
    /// waits for a connection, and waiting forever. It is cancelled, closing the connections, once `body` is over.
    static func withClient<T: Sendable>(_ location: PostgresLocation, logger: Logger = Logger(label: "test.pg"),
                                        _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresJobStore.makeClient(location, maximumConnections: 4, logger: logger)
        let running = await PostgresJobStore.run(client)
        do {
            let result = try await body(client)
            running.cancel()
            await running.value
            return result
        } catch {
            running.cancel()
            await running.value
            throw error
        }
    }

    /// Runs `body` with a migrated store for `node` over this database.
    func withStore<T: Sendable>(node: String = "node-a", leaseDuration: Duration = .seconds(30),
                                answerAge: Duration = .seconds(30 * 86_400),
                                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "test.pg"),
                                _ body: @Sendable (PostgresJobStore) async throws -> T) async throws -> T {
        try await Self.withClient(location, logger: logger) { client in
            let store = PostgresJobStore(client: client, node: node, leaseDuration: leaseDuration, answerAge: answerAge,
                                         now: now, logger: logger)
            try await store.migrate()
            return try await body(store)
        }
    }
}

extension StoreKind {
    /// Runs `body` over a fresh, empty store of this kind, timed by `now`.
    func withStore<T: Sendable>(logger: Logger = Logger(label: "test.store"), now: @escaping @Sendable () -> Date = { Date() },
                                _ body: @Sendable (any JobStoring) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            return try await body(try JobStore(database: DatabaseQueue(), logger: logger, now: now))
        case .postgres:
            let database = try await PostgresTestDatabase.make()
            return try await database.withStore(now: now, logger: logger) { try await body($0) }
        }
    }
}
