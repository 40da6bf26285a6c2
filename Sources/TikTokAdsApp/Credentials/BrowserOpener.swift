import Foundation

/// Opens a link in the user's browser where the desktop offers a way (`xdg-open` on Linux, `open` on macOS);
/// does nothing elsewhere (a server): the link is printed either way.
public enum BrowserOpener {
    /// The opener program on PATH, if any.
    static func opener(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        #if os(macOS)
        let names = ["open"]
        #else
        // No display, no browser to open: a server over SSH.
        guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil else { return nil }
        let names = ["xdg-open"]
        #endif
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in names {
            for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
                return directory + "/" + name
            }
        }
        return nil
    }

    /// Starts the opener with `url` and returns at once; true when one was started.
    @discardableResult
    public static func open(_ url: URL) -> Bool {
        guard let opener = opener() else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [url.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            return true
        } catch {
            return false
        }
    }
}
