function [net, result] = train(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress)
% TRAIN  Plain SGD over a given mini-batch index sequence, so that every language replays the same one.
%
%   [net, result] = train(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress)
%   x_* are 784 x N (one sample per column), t_* the N labels (0-based); batches is B x I: column i holds
%   the 0-based sample indices of step i. Each step is timed (train_steps); after every eval_every steps and
%   after the last, the train and test accuracies are recorded and progress(i) is called (pass [] for no
%   progress). result has fields loss, step_times (I x 1), train_acc, test_acc.
iters = size(batches, 2);
losses = zeros(iters, 1);
step_times = zeros(iters, 1);
n_evals = ceil(iters / eval_every);
train_acc = zeros(n_evals, 1);
test_acc = zeros(n_evals, 1);
for k = 1:n_evals
  first = (k - 1) * eval_every + 1;
  last = min(k * eval_every, iters);
  [net, losses(first:last), step_times(first:last)] = train_steps(net, x_train, t_train, batches(:, first:last), lr);
  train_acc(k) = net.accuracy(net, x_train, t_train);
  test_acc(k) = net.accuracy(net, x_test, t_test);
  if ~isempty(progress)
    progress(last);
  end
end
result = struct('loss', losses, 'step_times', step_times, 'train_acc', train_acc, 'test_acc', test_acc);
end
