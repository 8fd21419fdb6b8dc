import Foundation
import SubtitlerSupport

/// Where `subtitler serve` keeps its jobs: SQLite in the state directory (the default, one node), or a PostgreSQL
/// database several nodes share (`--store postgres://user@host:port/db` or `SUBTITLER_STORE_URL`).
package enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// `service.sqlite` in the state directory.
    case sqlite
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// Reads `--store`: `sqlite`, or a `postgres://` (or `postgresql://`) URL.
    /// - Throws: a ``SettingProblem`` for `store` naming what is wrong, never the password.
    package init(parsing text: String) throws {
        if text == "sqlite" {
            self = .sqlite
        } else {
            self = .postgres(try PostgresLocation(parsing: text))
        }
    }

    /// How logs and messages show the store: the URL without its password.
    package var description: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL database named by a URL: `postgres://user[:password]@host[:port]/database[?sslmode=…]`.
///
/// Its ``description`` never shows the password (logs, errors and `/v1/nodes` use it).
package struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// Whether the connection uses TLS.
    package enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP (a loopback or private network).
        case disable
        /// TLS when the server offers it (the default, as libpq's).
        case prefer
        /// TLS, or no connection.
        case require
    }

    /// The server's host name or address.
    package var host: String
    /// The server's port (5432 when the URL has none).
    package var port: Int
    /// The user to connect as.
    package var user: String
    /// The user's password, if the URL has one. Never logged.
    package var password: String?
    /// The database.
    package var database: String
    /// Whether to use TLS.
    package var tls: TLSMode

    /// Creates a location.
    package init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
                 tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Reads a `postgres://` URL.
    /// - Throws: a ``SettingProblem`` for `store`: one line naming the part that is wrong (the URL as shown there
    ///   never includes the password).
    package init(parsing text: String) throws {
        let shown = Self.redacted(text)
        func problem(_ cause: String) -> SettingProblem {
            SettingProblem("store", "--store \(shown): \(cause) (expected sqlite or postgres://user@host:port/database)")
        }
        guard let components = URLComponents(string: text) else { throw problem("not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw problem("the scheme must be postgres")
        }
        guard let host = components.host, !host.isEmpty else { throw problem("the URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw problem("the URL names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw problem("the URL names no database") }
        if let port = components.port, !(1...65_535).contains(port) { throw problem("the port must be between 1 and 65535") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw problem("unknown parameter '\(item.name)'") }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw problem("sslmode must be disable, prefer or require")
            }
            tls = mode
        }
        // URLComponents hands the user and the password back percent-decoded.
        self.init(host: host, port: components.port ?? 5432, user: user, password: components.password,
                  database: database, tls: tls)
    }

    /// The URL without its password: `postgres://user@host:port/database`.
    package var description: String {
        let address = host.contains(":") ? "[\(host)]" : host
        let mode = tls == .prefer ? "" : "?sslmode=\(tls.rawValue)"
        return "postgres://\(user)@\(address):\(port)/\(database)\(mode)"
    }

    /// `text` with anything between `://` and the last `@` after the user's `:` replaced, for messages about a URL
    /// that does not parse.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
              at.lowerBound > schemeEnd.upperBound else { return text }
        let credentials = text[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}
