package org.sotto

/**
 * The JNI entry points, implemented by the C library built with its `jni`
 * feature (`libsotto_ffi.so`). Each forwards to the C function of the same
 * name; a status other than OK is thrown as [SottoException]. Handles are
 * the C pointers as `Long`s, owned by the [NativeObject] classes: use those.
 */
internal object Native {
    /** The C ABI version these classes are written for (`SOTTO_ABI_VERSION`). */
    const val ABI_VERSION = 7

    init {
        System.loadLibrary("sotto_ffi")
        val found = abiVersion()
        if (found != ABI_VERSION) {
            throw UnsatisfiedLinkError("libsotto_ffi implements ABI version $found; these classes need $ABI_VERSION")
        }
    }

    // Generated from the Java_org_sotto_Native_* functions of ffi/src/jni/ by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit: begin

    // The library itself: its ABI version and status messages (ffi/src/jni/library.rs)
    @JvmStatic external fun abiVersion(): Int
    @JvmStatic external fun statusMessage(code: Int): String

    // What every kind of handle shares, dispatched on its kind number (ffi/src/jni/objects.rs)
    @JvmStatic external fun free(kind: Int, handle: Long)
    @JvmStatic external fun export(kind: Int, handle: Long): ByteArray
    @JvmStatic external fun import(kind: Int, data: ByteArray): Long
    @JvmStatic external fun seal(kind: Int, handle: Long, key: ByteArray): ByteArray
    @JvmStatic external fun open(kind: Int, key: ByteArray, data: ByteArray): Long
    @JvmStatic external fun storeSave(kind: Int, store: Long, name: ByteArray, handle: Long)
    @JvmStatic external fun storeLoad(kind: Int, store: Long, name: ByteArray): Long

    // Identities, prekeys and 1:1 sessions (ffi/src/jni/session.rs)
    @JvmStatic external fun identityGenerate(): Long
    @JvmStatic external fun identityPublicKey(identity: Long): ByteArray
    @JvmStatic external fun prekeysNew(identity: Long, now: Long): Long
    @JvmStatic external fun prekeysGenerate(prekeys: Long, count: Int)
    @JvmStatic external fun prekeysCount(prekeys: Long): Int
    @JvmStatic external fun prekeysRotate(prekeys: Long, identity: Long, now: Long)
    @JvmStatic external fun prekeysBundle(prekeys: Long, identity: Long, oneTimeIndex: Int): ByteArray
    @JvmStatic external fun prekeysAccept(prekeys: Long, identity: Long, message: ByteArray, now: Long, session: LongArray): ByteArray
    @JvmStatic external fun sessionInitiate(identity: Long, bundle: ByteArray): Long
    @JvmStatic external fun sessionEncrypt(session: Long, plaintext: ByteArray): ByteArray
    @JvmStatic external fun sessionEncryptChecked(session: Long, trust: Long, contact: ByteArray, plaintext: ByteArray): ByteArray
    @JvmStatic external fun sessionDecrypt(session: Long, message: ByteArray): ByteArray
    @JvmStatic external fun sessionRemoteIdentity(session: Long): ByteArray
    @JvmStatic external fun messageKind(message: ByteArray): Int
    @JvmStatic external fun prekeyMessageIdentity(message: ByteArray): ByteArray

    // Groups and live location (ffi/src/jni/group.rs)
    @JvmStatic external fun groupNew(identity: Long, id: ByteArray, members: ByteArray): Long
    @JvmStatic external fun groupDistribution(group: Long): ByteArray
    @JvmStatic external fun groupProcessDistribution(group: Long, from: ByteArray, data: ByteArray)
    @JvmStatic external fun groupEncrypt(group: Long, plaintext: ByteArray): ByteArray
    @JvmStatic external fun groupDecrypt(group: Long, from: ByteArray, message: ByteArray): ByteArray
    @JvmStatic external fun groupChangeMember(group: Long, member: ByteArray, add: Boolean): ByteArray
    @JvmStatic external fun shareNew(identity: Long, context: ByteArray, viewers: ByteArray, expiresAt: Long, precision: Int): Long
    @JvmStatic external fun shareDistribution(share: Long): ByteArray
    @JvmStatic external fun shareChangeViewer(share: Long, viewer: ByteArray, add: Boolean): ByteArray
    @JvmStatic external fun shareEncrypt(share: Long, location: LongArray, now: Long): ByteArray
    @JvmStatic external fun viewerNew(context: ByteArray, sender: ByteArray, distribution: ByteArray): Long
    @JvmStatic external fun viewerProcessDistribution(viewer: Long, distribution: ByteArray)
    @JvmStatic external fun viewerDecrypt(viewer: Long, update: ByteArray, now: Long): LongArray

    // Security codes and trust stores (ffi/src/jni/verify.rs)
    @JvmStatic external fun securityCodeNew(local: ByteArray, localId: ByteArray, remote: ByteArray, remoteId: ByteArray): Long
    @JvmStatic external fun securityCodeBytes(code: Long, scannable: Boolean): ByteArray
    @JvmStatic external fun securityCodeCompare(code: Long, scanned: ByteArray): Int
    @JvmStatic external fun trustNew(blockChanges: Boolean): Long
    @JvmStatic external fun trustObserve(trust: Long, contact: ByteArray, identity: ByteArray, now: Long): ByteArray
    @JvmStatic external fun trustCheck(trust: Long, contact: ByteArray, identity: ByteArray)
    @JvmStatic external fun trustAcceptChange(trust: Long, contact: ByteArray, identity: ByteArray, now: Long)
    @JvmStatic external fun trustSetVerified(trust: Long, contact: ByteArray, identity: ByteArray, verified: Boolean)

    // The content envelope (ffi/src/jni/envelope.rs)
    @JvmStatic external fun envelopeEncode(contentType: Int, body: ByteArray, sentAtMs: Long, timerSecs: Long, timerSetAtMs: Long): ByteArray
    @JvmStatic external fun envelopeDecode(bytes: ByteArray, info: LongArray): ByteArray

    // The crash-safe store (ffi/src/jni/store.rs)
    @JvmStatic external fun storeOpen(path: ByteArray, key: ByteArray, durable: Boolean): Long
    @JvmStatic external fun storeSetDevice(store: Long, identity: Long, prekeys: Long)
    @JvmStatic external fun storeSetDevicePrekeys(store: Long, prekeys: Long)
    @JvmStatic external fun storeDeviceIdentity(store: Long): Long
    @JvmStatic external fun storeDevicePrekeys(store: Long): Long
    @JvmStatic external fun storeEncrypt(store: Long, contact: ByteArray, plaintext: ByteArray, id: LongArray): ByteArray
    @JvmStatic external fun storeDecrypt(store: Long, contact: ByteArray, message: ByteArray, now: Long, id: LongArray, from: Array<ByteArray?>): ByteArray
    @JvmStatic external fun storeGroupEncrypt(store: Long, group: ByteArray, plaintext: ByteArray, id: LongArray): ByteArray
    @JvmStatic external fun storeGroupDecrypt(store: Long, group: ByteArray, from: ByteArray, message: ByteArray, id: LongArray): ByteArray
    @JvmStatic external fun storeAck(store: Long, incoming: Boolean, id: Long)
    @JvmStatic external fun storeNext(store: Long, incoming: Boolean, after: Long, id: LongArray, body: Array<ByteArray?>): ByteArray

    // The store's sessions and trust (ffi/src/jni/store_trust.rs)
    @JvmStatic external fun storeInitiate(store: Long, contact: ByteArray, bundle: ByteArray, now: Long): ByteArray
    @JvmStatic external fun storeIncomingSender(store: Long, id: Long, from: Array<ByteArray?>)
    @JvmStatic external fun storeTrustRecord(store: Long, contact: ByteArray): ByteArray
    @JvmStatic external fun storeSetTrustPolicy(store: Long, policy: Int)
    @JvmStatic external fun storeTrustPolicy(store: Long): Int
    @JvmStatic external fun storeAcceptIdentityChange(store: Long, contact: ByteArray, identity: ByteArray, now: Long)
    @JvmStatic external fun storeSetVerified(store: Long, contact: ByteArray, identity: ByteArray, verified: Boolean)
    @JvmStatic external fun storeGeneration(store: Long): Long

    // The store's content messages and disappearing timers (ffi/src/jni/store_content.rs)
    @JvmStatic external fun storeSend(store: Long, contact: ByteArray, contentType: Int, body: ByteArray, nowMs: Long, sent: LongArray): ByteArray
    @JvmStatic external fun storeGroupSend(store: Long, group: ByteArray, contentType: Int, body: ByteArray, nowMs: Long, sent: LongArray): ByteArray
    @JvmStatic external fun storeReceive(store: Long, contact: ByteArray, message: ByteArray, nowMs: Long, id: LongArray, info: LongArray): ByteArray
    @JvmStatic external fun storeGroupReceive(store: Long, group: ByteArray, from: ByteArray, message: ByteArray, nowMs: Long, id: LongArray, info: LongArray): ByteArray
    @JvmStatic external fun storeSetDisappearingTimer(store: Long, kind: Int, name: ByteArray, durationSecs: Long, nowMs: Long, sent: LongArray): ByteArray
    @JvmStatic external fun storeDisappearingTimer(store: Long, kind: Int, name: ByteArray): LongArray
    @JvmStatic external fun storePurgeExpired(store: Long, nowMs: Long): LongArray
    @JvmStatic external fun storeNextExpiry(store: Long): Long
    @JvmStatic external fun storeAccountReport(store: Long, nowMs: Long): ByteArray

    // Attachments, and the streaming calls they share with backups (ffi/src/jni/media.rs)
    @JvmStatic external fun streamUpdateLen(kind: Int, handle: Long, inputLen: Int): Int
    @JvmStatic external fun streamUpdate(kind: Int, handle: Long, input: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): Int
    @JvmStatic external fun streamFinishLen(kind: Int, handle: Long): Int
    @JvmStatic external fun streamFinish(kind: Int, handle: Long, output: ByteArray, outputOffset: Int): Int
    @JvmStatic external fun streamFree(kind: Int, handle: Long)
    @JvmStatic external fun attachmentEncryptorNew(): Long
    @JvmStatic external fun attachmentEncryptorFinish(encryptor: Long, output: ByteArray, outputOffset: Int, attachment: Array<ByteArray?>): Int
    @JvmStatic external fun attachmentDescriptorEncode(attachment: ByteArray, mediaType: ByteArray, thumbnail: ByteArray): ByteArray
    @JvmStatic external fun attachmentDescriptorDecode(descriptor: ByteArray, parts: Array<ByteArray?>): ByteArray
    @JvmStatic external fun attachmentDecryptorNew(descriptor: ByteArray): Long
    @JvmStatic external fun attachmentReaderNew(descriptor: ByteArray, header: ByteArray, blobLen: Long): Long
    @JvmStatic external fun attachmentReaderLocate(reader: Long, offset: Long): LongArray
    @JvmStatic external fun attachmentReaderDecrypt(reader: Long, index: Long, chunk: ByteArray, output: ByteArray, outputOffset: Int): Int

    // Encrypted backups: the backup key, a store's backup and its restore (ffi/src/jni/backup.rs)
    @JvmStatic external fun backupKeyGenerate(): ByteArray
    @JvmStatic external fun backupKeyToDigits(key: ByteArray): ByteArray
    @JvmStatic external fun backupKeyFromDigits(digits: ByteArray): ByteArray
    @JvmStatic external fun storeBackupNew(store: Long, secret: ByteArray, password: Boolean, memoryKib: Int, passes: Int, lanes: Int): Long
    @JvmStatic external fun backupReaderNew(secret: ByteArray, password: Boolean): Long
    @JvmStatic external fun storeRestore(store: Long, reader: Long, now: Long): ByteArray

    // Multi-device accounts: device records and lists, linking a companion, history blobs and the store's devices (ffi/src/jni/devices.rs)
    @JvmStatic external fun deviceRecordSign(account: Long, device: ByteArray, index: Long, addedAt: Long, kind: Int): ByteArray
    @JvmStatic external fun deviceRecordCountersign(device: Long, signed: ByteArray): ByteArray
    @JvmStatic external fun deviceListSign(account: Long, version: Long, issuedAt: Long, entries: ByteArray): ByteArray
    @JvmStatic external fun devicesVerify(account: ByteArray, list: ByteArray, records: ByteArray, now: Long, knownVersion: Long): ByteArray
    @JvmStatic external fun linkingRequestNew(companion: Long, qr: Array<ByteArray?>): Long
    @JvmStatic external fun linkingRequestAccept(request: Long, companion: Long, payload: ByteArray, account: ByteArray): ByteArray
    @JvmStatic external fun linkingRequestFree(request: Long)
    @JvmStatic external fun linkAnswer(account: Long, qr: ByteArray, index: Long, now: Long, kind: Int): ByteArray
    @JvmStatic external fun historyEncryptorNew(): Long
    @JvmStatic external fun historyDecryptorNew(descriptor: ByteArray): Long
    @JvmStatic external fun storeSetDevices(store: Long, user: ByteArray, list: ByteArray, records: ByteArray, now: Long, groups: Array<ByteArray?>): LongArray
    @JvmStatic external fun storeDevices(store: Long, user: ByteArray): ByteArray
    @JvmStatic external fun storeDeviceChanges(store: Long, user: ByteArray): ByteArray
    @JvmStatic external fun storeIsHosted(store: Long, user: ByteArray): Boolean
    @JvmStatic external fun storeGroupIsHosted(store: Long, groupId: ByteArray): Boolean
    @JvmStatic external fun storeDevicesWithoutSession(store: Long, user: ByteArray): ByteArray
    @JvmStatic external fun storeInitiateDevice(store: Long, user: ByteArray, index: Long, bundle: ByteArray, now: Long)
    @JvmStatic external fun storeSendToUser(store: Long, user: ByteArray, contentType: Int, body: ByteArray, nowMs: Long, sent: LongArray): ByteArray
    @JvmStatic external fun storeOutgoingDevice(store: Long, id: Long, index: LongArray): ByteArray
    @JvmStatic external fun storeReceiveFromDevice(store: Long, user: ByteArray, index: Long, message: ByteArray, nowMs: Long, id: LongArray, info: LongArray): ByteArray
    @JvmStatic external fun storeSecurityCode(store: Long, localId: ByteArray, user: ByteArray, remoteId: ByteArray): Long

    // Calls: call messages and their SRTP keys, the offer guard, SFrame encryptors and decryptors, and group calls (ffi/src/jni/calls.rs)
    @JvmStatic external fun callSignalNew(kind: Int, callId: ByteArray, epoch: Long, video: Boolean, participants: LongArray): Long
    @JvmStatic external fun callSignalDecode(body: ByteArray): Long
    @JvmStatic external fun callSignalEncode(signal: Long): ByteArray
    @JvmStatic external fun callSignalInfo(signal: Long, info: LongArray): ByteArray
    @JvmStatic external fun callSignalParticipants(signal: Long): LongArray
    @JvmStatic external fun callSignalSrtp(signal: Long, profile: Int, direction: Int, salt: Array<ByteArray?>): ByteArray
    @JvmStatic external fun offerGuardNew(): Long
    @JvmStatic external fun offerGuardAdmit(guard: Long, callId: ByteArray, sentAtMs: Long, nowMs: Long)
    @JvmStatic external fun sframeEncryptorNew(suite: Int, kid: Long, baseKey: ByteArray): Long
    @JvmStatic external fun sframeEncryptorSframeLen(encryptor: Long, frameLen: Int): Int
    @JvmStatic external fun sframeEncryptorEncrypt(encryptor: Long, metadata: ByteArray, frame: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): Int
    @JvmStatic external fun sframeDecryptorNew(suite: Int): Long
    @JvmStatic external fun sframeDecryptorAddKey(decryptor: Long, kid: Long, baseKey: ByteArray)
    @JvmStatic external fun sframeDecryptorRemoveKey(decryptor: Long, kid: Long)
    @JvmStatic external fun sframeDecryptorDecrypt(decryptor: Long, metadata: ByteArray, sframe: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int, info: LongArray): Int
    @JvmStatic external fun groupCallNew(callId: ByteArray, suite: Int, me: Long): Long
    @JvmStatic external fun groupCallInstall(call: Long, signal: Long, nowMs: Long)
    @JvmStatic external fun groupCallSframeLen(call: Long, frameLen: Int): Int
    @JvmStatic external fun groupCallEncrypt(call: Long, metadata: ByteArray, frame: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): Int
    @JvmStatic external fun groupCallDecrypt(call: Long, metadata: ByteArray, sframe: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int, nowMs: Long, info: LongArray): Int
    @JvmStatic external fun callFree(kind: Int, handle: Long)

    // Sealed sender: the service's certificates, sealing and opening envelopes, and the store's sealed send and receive (ffi/src/jni/sealed_sender.rs)
    @JvmStatic external fun serverCertificateIssue(root: Long, keyId: Long, serverKey: ByteArray): ByteArray
    @JvmStatic external fun senderCertificateIssue(server: Long, serverCertificate: ByteArray, sender: ByteArray, identity: ByteArray, device: Long, expiresMs: Long): ByteArray
    @JvmStatic external fun senderCertificateVerify(certificate: ByteArray, trustRoot: ByteArray, nowMs: Long)
    @JvmStatic external fun sealedSenderSeal(sender: Long, certificate: ByteArray, recipient: ByteArray, message: ByteArray): ByteArray
    @JvmStatic external fun sealedSenderOpen(recipient: Long, trustRoot: ByteArray, sealed: ByteArray, nowMs: Long, from: LongArray, sender: Array<ByteArray?>): ByteArray
    @JvmStatic external fun storeSendSealed(store: Long, contact: ByteArray, contentType: Int, body: ByteArray, certificate: ByteArray, nowMs: Long, sent: LongArray): ByteArray
    @JvmStatic external fun storeReceiveSealed(store: Long, trustRoot: ByteArray, sealed: ByteArray, nowMs: Long, id: LongArray, info: LongArray, contact: Array<ByteArray?>): ByteArray

    // Post-quantum session setup (PQXDH) (ffi/src/jni/pqxdh.rs)
    @JvmStatic external fun prekeysGeneratePq(prekeys: Long, identity: Long, count: Int, now: Long)
    @JvmStatic external fun prekeysPqCount(prekeys: Long): Int
    @JvmStatic external fun prekeysBundlePq(prekeys: Long, identity: Long, oneTimeIndex: Int, pqOneTimeIndex: Int): ByteArray
    @JvmStatic external fun prekeysSetPqPolicy(prekeys: Long, policy: Int)
    @JvmStatic external fun prekeysPqPolicy(prekeys: Long): Int
    @JvmStatic external fun sessionInitiateWithPolicy(identity: Long, bundle: ByteArray, policy: Int): Long
    @JvmStatic external fun sessionIsPostQuantum(session: Long): Boolean
    @JvmStatic external fun storeSetPqPolicy(store: Long, policy: Int)
    @JvmStatic external fun storePqPolicy(store: Long): Int
    @JvmStatic external fun storeIsPostQuantum(store: Long, contact: ByteArray): Boolean

    // generated: end
}
