import Foundation

/// A node of the service as `GET /v1/nodes` shows it: its slots and how many jobs it runs, as of its last heartbeat.
///
/// Over a shared store, every node records itself at start and at each heartbeat; a node is live while its last
/// heartbeat is within a lease. The SQLite store has one node, this process (`local`).
package struct ServiceNode: Sendable, Codable, Hashable {
    /// The node's id (`--node-id`), as jobs show it.
    package var id: String
    /// How many jobs it runs at once (`--jobs`).
    package var slots: Int
    /// How many jobs it ran at its last heartbeat.
    package var running: Int
    /// When it first recorded itself (its start).
    package var startedAt: Date
    /// Its last heartbeat.
    package var lastSeenAt: Date
}
