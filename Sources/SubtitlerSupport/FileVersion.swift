import Foundation

/// Which version of a file is at a path: its device, inode, size and modification time. A file rewritten in
/// place changes its size or time; a file replaced by another (a rename over it, a copy) changes its inode too.
package struct FileVersion: Sendable, Hashable {
    /// The file system's device.
    package var device: UInt64
    /// The inode.
    package var inode: UInt64
    /// The size in bytes.
    package var size: Int64
    /// The modification time, nanoseconds since 1970.
    package var modified: Int64

    /// The version of the file at `path` (links followed), or nil when there is none.
    package init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
    }
}
