/**
 * @file pem.cpp
 * @brief PEM in and out through memory BIOs; PEM files written 0600 and renamed into place.
 *
 * OpenSSL reads and writes PEM through a BIO, its stream abstraction; a memory BIO over
 * a std::string is the simplest one. The read functions pass no password callback, so an
 * encrypted key fails with a clear error instead of prompting on the terminal (the
 * default callback would ask for a pass phrase, and a daemon has no one to ask).
 */
#include "miniswarm/ca/pem.hpp"

#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minirun/sys/unique_fd.hpp"

namespace miniswarm::ca {

using minirun::sys::Error;

namespace {

BioPtr memory_bio_over(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

/// Everything written to a memory BIO, as a string.
std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

// A password callback that declines: an encrypted key is an error, not a prompt.
int no_password(char*, int, int, void*) { return -1; }

}  // namespace

Result<X509Ptr> read_certificate_pem(std::string_view pem, std::string_view what) {
  BioPtr bio = memory_bio_over(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr));
  if (!cert) {
    return openssl_error(std::string(what) +
                         " is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)");
  }
  return cert;
}

Result<EvpPkeyPtr> read_private_key_pem(std::string_view pem, std::string_view what) {
  BioPtr bio = memory_bio_over(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) {
    return openssl_error(std::string(what) +
                         " is not an unencrypted PEM private key (expected -----BEGIN PRIVATE KEY-----)");
  }
  return key;
}

Result<X509ReqPtr> read_csr_pem(std::string_view pem, std::string_view what) {
  BioPtr bio = memory_bio_over(pem);
  X509ReqPtr csr(PEM_read_bio_X509_REQ(bio.get(), nullptr, no_password, nullptr));
  if (!csr) {
    return openssl_error(
        std::string(what) +
        " is not a PEM certificate signing request (expected -----BEGIN CERTIFICATE REQUEST-----)");
  }
  return csr;
}

Result<std::string> certificate_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return openssl_error("write a certificate as PEM");
  }
  return bio_contents(bio.get());
}

Result<std::string> private_key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("write a private key as PEM");
  }
  return bio_contents(bio.get());
}

Result<std::string> csr_to_pem(X509_REQ* csr) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), csr) != 1) {
    return openssl_error("write a certificate signing request as PEM");
  }
  return bio_contents(bio.get());
}

Result<std::string> certificate_to_der(X509* cert) {
  unsigned char* der = nullptr;
  int size = i2d_X509(cert, &der);
  if (size <= 0) return openssl_error("encode a certificate as DER");
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return bytes;
}

Result<void> write_pem_file(const std::string& path, std::string_view pem) {
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  // A leftover from a crash is ours to replace; O_EXCL below then makes sure the file
  // we write is the one we created, with our mode, and not a planted link.
  unlink(temporary.c_str());
  minirun::sys::UniqueFd fd(
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", temporary).context("write `" + path + "`");
  // The umask can only take bits away from 0600; fchmod makes the mode exact anyway,
  // so the check in the tests is about this code, not about the caller's umask.
  if (fchmod(fd.get(), 0600) != 0) {
    return Error::from_errno("fchmod", temporary).context("write `" + path + "`");
  }
  size_t done = 0;
  while (done < pem.size()) {
    ssize_t n = write(fd.get(), pem.data() + done, pem.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error error = Error::from_errno("write", temporary);
      unlink(temporary.c_str());
      return std::move(error).context("write `" + path + "`");
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd.get()) != 0) {
    Error error = Error::from_errno("fsync", temporary);
    unlink(temporary.c_str());
    return std::move(error).context("write `" + path + "`");
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = Error::from_errno("rename", temporary);
    unlink(temporary.c_str());
    return std::move(error).context("write `" + path + "`");
  }
  return minirun::sys::ok();
}

}  // namespace miniswarm::ca
