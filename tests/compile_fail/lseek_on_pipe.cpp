// SPDX-License-Identifier: BSL-1.0
// lseek on a pipe: pipeanon_fops has no llseek, so the kernel answers ESPIPE.
#include <kvfs/fs/mem.hpp>
#include <kvfs/fs/pipefs.hpp>

void seek(kvfs::descriptor<kvfs::pipefs>& pipe_end, kvfs::descriptor<kvfs::dev_null>& null) {
#ifdef KVFS_CONTROL
  kvfs::lseek(null, 0, SEEK_SET);
  (void)pipe_end;
#else
  kvfs::lseek(pipe_end, 0, SEEK_SET);
  (void)null;
#endif
}
