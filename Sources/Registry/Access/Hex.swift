import Crypto
import Foundation

public enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// Hex SHA-256, how secrets and request bodies are fingerprinted.
    public static func sha256(_ bytes: some DataProtocol) -> String {
        encode(SHA256.hash(data: bytes))
    }
}
