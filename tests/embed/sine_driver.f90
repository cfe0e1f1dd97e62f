! The Fortran twin of sine_driver.c: trains the job's MLP on y = sin(x) from arrays it owns,
! through the hearth_f module, with the same batches, and prints the same lines (each loss as the
! bits of its double), so the tests compare the two programs bitwise.
!
! sine_driver_f JOB RUNS_DIR STEPS_PER_EPOCH [--resume RUN] [--kill-after STEP]
program sine_driver_f
  use, intrinsic :: iso_c_binding
  use hearth_f
  implicit none
  integer, parameter :: batch = 64
  real(c_double), parameter :: pi = 3.141592653589793d0
  character(len=4096) :: job, runs, arg, resume
  integer :: steps_per_epoch, i, status
  integer(c_int64_t) :: k, kill_after
  real(c_float), target :: x(batch, 1), y(batch, 1), prediction(batch, 1)
  real(c_double) :: loss, valid, mse
  type(c_ptr) :: session
  integer :: rank, ranks
  logical :: stop

  call get_command_argument(1, job)
  call get_command_argument(2, runs)
  call get_command_argument(3, arg)
  read (arg, *) steps_per_epoch
  resume = ''
  kill_after = -1
  do i = 4, command_argument_count() - 1, 2
    call get_command_argument(i, arg)
    if (arg == '--resume') call get_command_argument(i + 1, resume)
    if (arg == '--kill-after') then
      call get_command_argument(i + 1, arg)
      read (arg, *) kill_after
    end if
  end do

  if (len_trim(resume) > 0) then
    status = hearth_open(trim(job), trim(runs), session, trim(resume))
  else
    status = hearth_open(trim(job), trim(runs), session)
  end if
  call check(status, 'hearth_open')
  write (*, '(A,A)') 'run ', hearth_run_folder(session)
  call check(hearth_world(session, rank, ranks), 'hearth_world')
  write (*, '(A,I0,A,I0)') 'rank ', rank, ' of ', ranks

  stop = .false.
  k = hearth_step_count(session)
  do while (.not. stop)
    do i = 0, batch - 1
      x(i + 1, 1) = real(-pi + 2d0 * pi * mod(real(mod(k, int(steps_per_epoch, c_int64_t)), c_double) * 0.6180339887498949d0 + &
                                                real(i, c_double) * 0.7548776662466927d0, 1d0), c_float)
      y(i + 1, 1) = sin(x(i + 1, 1))
    end do
    call check(hearth_train_step(session, x, y, loss), 'hearth_train_step')
    write (*, '(A,I0,A,I0,A,ES25.17)') 'step ', k + 1, ' bits ', transfer(loss, 0_c_int64_t), ' loss ', loss
    if (k + 1 == kill_after) then
      call check(hearth_save(session), 'hearth_save')
      flush (6)
      call kill_self()
    end if
    k = k + 1
    if (mod(k, int(steps_per_epoch, c_int64_t)) /= 0) cycle
    do i = 0, batch - 1
      x(i + 1, 1) = real(-pi + 2d0 * pi * (i + 0.5d0) / batch, c_float)
      y(i + 1, 1) = sin(x(i + 1, 1))
    end do
    call check(hearth_eval_step(session, x, y, valid), 'hearth_eval_step')
    call check(hearth_log_scalar(session, 'sim.steps', real(k, c_double)), 'hearth_log_scalar')
    write (*, '(A,ES25.17)') 'epoch valid ', valid
    call check(hearth_end_epoch(session, stop), 'hearth_end_epoch')
  end do

  call check(hearth_predict(session, x, prediction), 'hearth_predict')
  mse = sum((real(prediction, c_double) - real(y, c_double))**2) / batch
  write (*, '(A,ES25.17)') 'predicted mse ', mse
  call check(hearth_close(session), 'hearth_close')

contains

  subroutine check(status, what)
    integer, intent(in) :: status
    character(len=*), intent(in) :: what
    if (status == HEARTH_EMBED_OK) return
    write (0, '(A,A,I0,A,A)') what, ' failed (status ', status, '): ', hearth_last_error()
    error stop 1
  end subroutine

  ! SIGKILL, as a scheduler's kill or an out-of-memory killer would end it.
  subroutine kill_self()
    interface
      integer(c_int) function c_raise(signal) bind(C, name="raise")
        import :: c_int
        integer(c_int), value :: signal
      end function
    end interface
    integer(c_int) :: ignored
    ignored = c_raise(9_c_int)
  end subroutine

end program sine_driver_f
