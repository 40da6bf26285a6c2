import Foundation
import SyncKit

/// A TCP port on 127.0.0.1 whose connections the kernel completes and nobody ever answers: a metadata server that hangs.
package final class SilentListener: Sendable {
    let descriptor: Int32
    package let port: Int

    package init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw SyncError(.destination, "cannot listen on 127.0.0.1") }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) } }
        descriptor = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
    }

    /// How many connections reached the port so far: accepts (and closes) every connection waiting in the backlog.
    /// Call it once the clients are done; a connection still being opened may not be counted yet.
    package func acceptWaitingConnections() -> Int {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        var count = 0
        while true {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return count }
            count += 1
            #if canImport(Glibc)
            _ = Glibc.close(connection)
            #else
            _ = Darwin.close(connection)
            #endif
        }
    }

    package func close() {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }
}
