// Checkpoint/restart: a round trip resumes exactly where the run stopped, and
// each kind of bad file is refused with a CheckpointError of its own kind.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "laplace_1d.hpp"
#include "mlgmres/engine.hpp"
#include "mlgmres/checkpoint.hpp"

using namespace mlgmres;
using namespace mlgmres_test;
using Kind = CheckpointError::Kind;

namespace {

Settings settings() {
  Settings s = learning_settings("fluidnet");
  s.warmup = 10;
  s.orthogonality = 1.0;
  s.train_steps = 20;
  s.growth_patience = 1;
  s.growth_tolerance = 1.0;  // grow, so blocks must be restored too
  s.max_blocks = 1;
  s.capacity = 12;           // and eviction has happened
  s.seed = 4;
  s.threads = 1;
  return s;
}

std::string temp_path(const std::string &name) { return ::testing::TempDir() + "mlgmres_" + name + ".ckpt"; }

std::string read(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}
void write(const std::string &path, const std::string &bytes) { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }

Kind load_error(Learner &l, const std::string &path, std::string *what = nullptr) {
  try {
    l.load(path);
  } catch (const CheckpointError &e) {
    if (what) *what = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "loading " << path << " did not fail";
  return Kind::Write;
}

std::vector<double> guess(Learner &l) {
  std::vector<double> b = bump((std::size_t)l.geometry().size(), 9.5, 1.0), x(b.size());
  EXPECT_EQ(l.guess(b.data(), x.data()), GuessStatus::Ok);
  return x;
}

}  // namespace

TEST(Checkpoint, RoundTripResumesTheSameRun) {
  const std::string path = temp_path("roundtrip");
  Learner original(settings(), line(24), make_model);
  feed(original, 16, 1);
  original.save(path);
  Learner resumed(settings(), line(24), make_model);
  resumed.load(path);
  const LearnerStatus a = original.status(), b = resumed.status();
  EXPECT_EQ(b.blocks, 1);
  EXPECT_EQ(b.parameters, a.parameters);
  EXPECT_EQ(b.training_set, a.training_set);
  EXPECT_EQ(b.evicted, a.evicted);
  EXPECT_EQ(b.solves, a.solves);
  EXPECT_EQ(b.trainings, a.trainings);
  EXPECT_EQ(b.mean_residual_at_k, a.mean_residual_at_k);
  EXPECT_EQ(guess(resumed), guess(original));
  // weights, optimizer state, stores and sampler all continue identically
  feed(original, 6, 2);
  feed(resumed, 6, 2);
  EXPECT_EQ(guess(resumed), guess(original));
  std::remove(path.c_str());
}

// A learner whose budget never allowed a training has no network: its
// checkpoint holds the data and decisions, and resuming it builds none (a
// restarted run that never trains still never loads LibTorch).
TEST(Checkpoint, AnUntrainedLearnerRoundTripsWithoutItsNetwork) {
  const std::string path = temp_path("untrained");
  Settings s = settings();
  s.training_budget = 1e-9;
  int built = 0;
  const ModelFactory counting = [&built](const Settings &st, const Geometry &g) {
    ++built;
    return make_model(st, g);
  };
  Learner original(s, line(24), counting);
  feed(original, 16, 1);
  ASSERT_TRUE(original.status().training_postponed);
  original.save(path);
  Learner resumed(s, line(24), counting);
  resumed.load(path);
  EXPECT_EQ(built, 0);
  EXPECT_FALSE(resumed.status().built);
  EXPECT_EQ(resumed.status().training_set, original.status().training_set);
  EXPECT_EQ(resumed.status().solves, original.status().solves);
  EXPECT_TRUE(resumed.status().training_postponed);
  std::remove(path.c_str());
}

TEST(Checkpoint, KeepsTheHalvedLearningRate) {
  const std::string path = temp_path("rate");
  Settings s = settings();
  s.learning_rate = 1e30;  // the warm-up training diverges and halves the rate
  Learner original(s, line(24), make_model);
  feed(original, 10, 1);
  ASSERT_EQ(original.status().diverged_trainings, 1);
  original.save(path);
  Learner resumed(s, line(24), make_model);
  resumed.load(path);
  EXPECT_DOUBLE_EQ(resumed.status().learning_rate, 5e29);
  std::remove(path.c_str());
}

TEST(Checkpoint, MissingFile) {
  Learner l(settings(), line(24), make_model);
  EXPECT_EQ(load_error(l, temp_path("does_not_exist")), Kind::Missing);
}

// Not a file: refused by what it is, before anything is read.
TEST(Checkpoint, ADirectoryOrADeviceIsRefused) {
  Learner l(settings(), line(24), make_model);
  std::string what;
  EXPECT_EQ(load_error(l, ::testing::TempDir(), &what), Kind::Missing);
  EXPECT_NE(what.find("is a directory"), std::string::npos) << what;
  EXPECT_EQ(load_error(l, "/dev/zero", &what), Kind::Missing);  // would never end if read
  EXPECT_NE(what.find("not a regular file"), std::string::npos) << what;
}

// A payload larger than any checkpoint of this problem can be is refused from
// its header, before it is read or allocated (a sparse file: no disk used).
TEST(Checkpoint, AnOversizedPayloadIsRefusedFromItsHeader) {
  const std::string path = temp_path("oversized");
  Learner l(settings(), line(24), make_model);
  feed(l, 12, 1);
  l.save(path);
  std::string head = read(path).substr(0, 20);
  const std::uint64_t size = 1ull << 36;  // 64 GiB
  std::memcpy(&head[12], &size, sizeof(size));
  write(path, head);
  ASSERT_EQ(truncate(path.c_str(), (off_t)(20 + size + 8)), 0);
  std::string what;
  EXPECT_EQ(load_error(l, path, &what), Kind::Mismatch);
  EXPECT_NE(what.find("more than a checkpoint of this problem can"), std::string::npos) << what;
  std::remove(path.c_str());
}

TEST(Checkpoint, TruncatedFile) {
  const std::string path = temp_path("truncated");
  Learner l(settings(), line(24), make_model);
  feed(l, 12, 1);
  l.save(path);
  const std::string bytes = read(path);
  for (std::size_t keep : {std::size_t(4), std::size_t(14), bytes.size() / 2, bytes.size() - 1}) {
    write(path, bytes.substr(0, keep));
    EXPECT_EQ(load_error(l, path), Kind::Truncated) << keep << " bytes";
  }
  std::remove(path.c_str());
}

TEST(Checkpoint, CorruptedFile) {
  const std::string path = temp_path("corrupted");
  Learner l(settings(), line(24), make_model);
  feed(l, 12, 1);
  l.save(path);
  std::string bytes = read(path);
  bytes[bytes.size() / 2] ^= 0x5a;  // a flipped byte inside the payload
  write(path, bytes);
  std::string what;
  EXPECT_EQ(load_error(l, path, &what), Kind::Corrupted);
  EXPECT_NE(what.find("checksum"), std::string::npos) << what;
  write(path, "this is not a checkpoint at all");
  EXPECT_EQ(load_error(l, path), Kind::Corrupted);
  std::remove(path.c_str());
}

TEST(Checkpoint, OtherFormatVersion) {
  const std::string path = temp_path("version");
  Learner l(settings(), line(24), make_model);
  l.save(path);
  std::string bytes = read(path);
  bytes[8] = 99;  // the version field follows the 8-byte magic
  write(path, bytes);
  EXPECT_EQ(load_error(l, path), Kind::Version);
  std::remove(path.c_str());
}

TEST(Checkpoint, ShapeOrModelMismatchLeavesTheLearnerUntouched) {
  const std::string path = temp_path("mismatch");
  Learner l(settings(), line(24), make_model);
  feed(l, 12, 1);
  l.save(path);
  Learner other_grid(settings(), line(32), make_model);
  std::string what;
  EXPECT_EQ(load_error(other_grid, path, &what), Kind::Mismatch);
  EXPECT_NE(what.find("24x1x1"), std::string::npos) << what;
  EXPECT_FALSE(other_grid.trained());
  Settings cnn = settings();
  cnn.model = "cnn";
  Learner other_model(cnn, line(24), make_model);
  EXPECT_EQ(load_error(other_model, path), Kind::Mismatch);
  std::remove(path.c_str());
}

TEST(Checkpoint, AFailedSaveLeavesNoTemporaryFile) {
  // Saving onto a directory fails at the rename: the error says so, and the
  // temporary file written next to the target is gone.
  const std::string dir = ::testing::TempDir() + "mlgmres_save_onto_dir";
  ASSERT_EQ(mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST, true);
  Learner l(settings(), line(24), make_model);
  try {
    l.save(dir);
    FAIL() << "saving onto a directory succeeded";
  } catch (const mlgmres::CheckpointError &e) {
    EXPECT_EQ(e.kind(), Kind::Write);
  }
  EXPECT_FALSE(std::ifstream(dir + ".tmp").good()) << dir << ".tmp was left behind";
  rmdir(dir.c_str());
}
